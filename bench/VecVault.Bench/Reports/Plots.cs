using ScottPlot;

namespace VecVault.Bench.Reports;

/// <summary>PNG plots of a run (ScottPlot).</summary>
internal static class Plots
{
    /// <summary>One line of a plot.</summary>
    /// <param name="Label">Its legend.</param>
    /// <param name="X">x values.</param>
    /// <param name="Y">y values.</param>
    /// <param name="Dashed">Drawn dashed (a second family of lines).</param>
    /// <param name="Colour">Index into the palette, so that lines of one family member share a colour; -1: the next colour.</param>
    public sealed record Series(string Label, double[] X, double[] Y, bool Dashed = false, int Colour = -1);

    /// <summary>Recall@k (x) against queries per second (y, log scale, as <paramref name="qpsLabel"/> says), one line per index or mode.</summary>
    public static void RecallVsQps(string path, string title, string qpsLabel, IEnumerable<Series> series)
    {
        var plot = new Plot();
        foreach (var line in series)
        {
            Add(plot, line with { Y = [.. line.Y.Select(Math.Log10)] });
        }

        Save(plot, path, title, "recall@10", $"{qpsLabel} (log)", Alignment.LowerLeft);
    }

    /// <summary>
    /// Latency percentile curves: the percentile on x, spread as HdrHistogram plots do (50, 90, 99, 99.9 equally
    /// apart), latency in microseconds on y (log scale); series give (percentile, µs) points.
    /// </summary>
    public static void LatencyPercentiles(string path, string title, IEnumerable<Series> series)
    {
        var plot = new Plot();
        foreach (var line in series)
        {
            Add(plot, line with { X = [.. line.X.Select(p => Math.Log10(100 / (100 - Math.Min(p, 99.999))))], Y = [.. line.Y.Select(Math.Log10)] });
        }

        double[] percentiles = [0, 50, 90, 99, 99.9, 99.99];
        plot.Axes.Bottom.SetTicks([.. percentiles.Select(p => Math.Log10(100 / (100 - p)))], [.. percentiles.Select(p => $"{p}%")]);
        Save(plot, path, title, "percentile", "latency, µs (log)", Alignment.UpperLeft);
    }

    private static void Add(Plot plot, Series line)
    {
        var scatter = plot.Add.Scatter(line.X, line.Y);
        scatter.LegendText = line.Label;
        scatter.MarkerSize = line.X.Length > 20 ? 0 : 6;
        if (line.Colour >= 0)
        {
            scatter.Color = plot.Add.Palette.GetColor(line.Colour);
        }

        if (line.Dashed)
        {
            scatter.LinePattern = LinePattern.Dashed;
        }
    }

    /// <summary>Labels a plot whose y values are log10 and writes it as a 900 x 600 PNG.</summary>
    private static void Save(Plot plot, string path, string title, string xLabel, string yLabel, Alignment legend)
    {
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => $"{Math.Pow(10, y):N0}" };
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        plot.SavePng(path, 900, 600);
    }
}
