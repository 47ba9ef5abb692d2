using ScottPlot;
using VecVault.Bench.Ann;

namespace VecVault.Bench.Reports;

/// <summary>PNG plots of a run (ScottPlot).</summary>
internal static class Plots
{
    /// <summary>Recall@k (x) against single-thread queries per second (y, log scale), one line per index.</summary>
    public static void RecallVsQps(string path, string title, IEnumerable<AnnResult> results)
    {
        var plot = new Plot();
        foreach (var result in results)
        {
            var scatter = plot.Add.Scatter(result.Sweep.Select(p => p.Recall).ToArray(), result.Sweep.Select(p => Math.Log10(p.Qps)).ToArray());
            scatter.LegendText = result.Peer;
            scatter.MarkerSize = 6;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = y => $"{Math.Pow(10, y):N0}",
        };
        plot.Title(title);
        plot.XLabel("recall@10");
        plot.YLabel("queries/s, one thread (log)");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 900, 600);
    }
}
