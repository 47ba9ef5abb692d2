using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace VecVault.Server.Observability;

/// <summary>
/// Publishes the instruments of this server's own meters (those its meter factory created, with the given names)
/// in a Prometheus registry: counters as counters, histograms as histograms with
/// latency buckets, observable instruments read at each scrape. Prometheus names replace dots by underscores and
/// add the unit (<c>_seconds</c>) and <c>_total</c> for counters.
/// </summary>
public sealed class PrometheusExport : IDisposable
{
    /// <summary>Latency histogram buckets: 50 µs to about 6.5 s.</summary>
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.00005, 2, 18);

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<Instrument, Collector> _collectors = new();

    // prometheus-net otherwise publishes every meter and event counter of the process in its default registry,
    // which nothing serves.
    static PrometheusExport() => Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true, SuppressDebugMetrics = true });

    /// <summary>Starts listening.</summary>
    public PrometheusExport(IMeterFactory meters, IReadOnlySet<string> meterNames)
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _factory = Metrics.WithCustomRegistry(Registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && meterNames.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        Registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var keys = new string[tags.Length];
        var labels = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            keys[i] = tags[i].Key;
            labels[i] = tags[i].Value?.ToString() ?? "";
        }

        // An instrument's first measurement fixes its label names; a measurement with other tags is dropped rather
        // than failing the call that recorded it.
        var collector = _collectors.GetOrAdd(instrument, Create, keys);
        if (!collector.LabelNames.AsSpan().SequenceEqual(keys))
        {
            return;
        }

        switch (collector)
        {
            case Counter counter when instrument is Counter<long> or Counter<int> or Counter<double>:
                counter.WithLabels(labels).Inc(value);
                break;
            case Counter counter:
                counter.WithLabels(labels).IncTo(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(labels).Observe(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(labels).Set(value);
                break;
        }
    }

    private Collector Create(Instrument instrument, string[] labelNames)
    {
        var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> =>
                _factory.CreateCounter(name + "_total", help, labelNames),
            Histogram<double> => _factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = LatencyBuckets }),
            _ => _factory.CreateGauge(name, help, labelNames),
        };
    }
}
