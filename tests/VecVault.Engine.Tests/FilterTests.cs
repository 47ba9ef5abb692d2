using System.Text.Json.Nodes;
using VecVault.Core.Collections;
using VecVault.Core.Filters;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Index.Distance;
using Xunit.Abstractions;

namespace VecVault.Engine.Tests;

/// <summary>
/// Payload filters against an oracle: for selective and broad filters, on indexed and unindexed fields, search
/// returns the k best matching points (compared with brute force over the points the oracle says match), and count
/// and scroll return exactly the matching points.
/// </summary>
public sealed class FilterTests(ITestOutputHelper output) : TenantFixture(output)
{
    private const int Points = 30_000;
    private const int K = 10;
    private static readonly string[] Colors = ["red", "green", "blue", "black", "white"];
    private readonly List<Sample> _samples = [];

    private sealed record Sample(PointId Id, float[] Vector, string? Color, long Size, double Price, bool Flag, string? Country, string[] Tags, bool NullNote);

    [Fact]
    public async Task Search_count_and_scroll_with_a_filter_equal_brute_force_over_the_matching_points()
    {
        await FillAsync();
        foreach (var (name, filter, oracle) in FilterCases())
        {
            Check(name, filter, oracle);
        }
    }

    private void Check(string name, Filter filter, Func<Sample, bool> oracle)
    {
        var matching = _samples.Where(oracle).ToList();
        Assert.Equal(matching.Count, _engine.Count(Acme, "f", filter));

        var scrolled = new List<PointId>();
        PointId? offset = null;
        do
        {
            (var page, offset) = _engine.Scroll(Acme, "f", offset, 997, withPayload: false, withVectors: false, filter);
            scrolled.AddRange(page.Select(p => p.Id));
        }
        while (offset is not null);

        Assert.Equal([.. matching.Select(s => s.Id).Order()], scrolled);

        var random = new Random(name.Length);
        var hits = 0;
        var expectedTotal = 0;
        for (var q = 0; q < 20; q++)
        {
            var query = Vector(random);
            var expected = matching.OrderBy(s => DistanceKernels.L2SquaredScalar(query, s.Vector)).Take(K).Select(s => s.Id).ToList();
            var results = _engine.Search(Acme, "f", new SearchQuery(query, K, false, false, Ef: 128, Filter: filter));
            Assert.All(results, r => Assert.Contains(r.Id, matching.Select(s => s.Id)));
            Assert.Equal(expected.Count, results.Count);
            hits += results.Count(r => expected.Contains(r.Id));
            expectedTotal += expected.Count;
        }

        var recall = expectedTotal == 0 ? 1 : hits / (double)expectedTotal;
        var plan = matching.Count <= EngineOptions.ExactFilterPoints ? "exact over the matching points" : "filtered graph traversal";
        _output.WriteLine($"{name}: {matching.Count} of {Points} match ({matching.Count * 100.0 / Points:F1}%), {plan}; recall@{K} against brute force {recall:F4}");
        Assert.True(recall >= 0.98, $"{name}: recall {recall:F4}");
        if (matching.Count <= EngineOptions.ExactFilterPoints)
        {
            Assert.Equal(1.0, recall);
        }
    }

    private static IEnumerable<(string Name, Filter Filter, Func<Sample, bool> Oracle)> FilterCases()
    {
        static Filter Must(params Condition[] conditions) => new(conditions, [], []);
        static MatchCondition Keyword(string key, string value) => new(key, new MatchValue(MatchKind.Keyword, Keyword: value));
        yield return ("indexed keyword", Must(Keyword("color", "red")), s => s.Color == "red");
        yield return ("unindexed nested keyword", Must(Keyword("user.country", "fr")), s => s.Country == "fr");
        yield return ("indexed integer range (selective)", Must(new RangeCondition("size", Lt: null, Gt: 10, Lte: 12, Gte: null)), s => s.Size > 10 && s.Size <= 12);
        yield return ("unindexed float range (broad)", Must(new RangeCondition("price", 80, null, null, null)), s => s.Price < 80);
        yield return ("any keyword in a list field", Must(new MatchCondition("tags", new MatchValue(MatchKind.AnyKeyword, Keywords: new HashSet<string> { "t3", "t7" }))), s => s.Tags.Contains("t3") || s.Tags.Contains("t7"));
        yield return ("except integer", Must(new MatchCondition("size", new MatchValue(MatchKind.ExceptInteger, Integers: new HashSet<long> { 1, 2, 3 }))), s => s.Size is not (1 or 2 or 3));
        yield return ("bool and must_not", new Filter([new MatchCondition("flag", new MatchValue(MatchKind.Boolean, Boolean: true))], [], [Keyword("color", "blue")]), s => s.Flag && s.Color != "blue");
        yield return ("should with min_should 2", new Filter([], [Keyword("color", "green"), new MatchCondition("flag", new MatchValue(MatchKind.Boolean, Boolean: false)), new RangeCondition("size", null, null, null, 50)], [], 2),
            s => new[] { s.Color == "green", !s.Flag, s.Size >= 50 }.Count(b => b) >= 2);
        yield return ("is_empty and is_null", new Filter([], [new IsEmptyCondition("color"), new IsNullCondition("note")], []), s => s.Color is null || s.NullNote);
        yield return ("has_id", Must(new HasIdCondition(Enumerable.Range(0, 300).Select(i => PointId.FromNumber((ulong)(i * 7))).ToHashSet())), s => s.Id.Number % 7 == 0 && s.Id.Number < 2100);
        yield return ("nested filter", Must(new NestedCondition(new Filter([], [Keyword("color", "black"), Keyword("color", "white")], [])), new RangeCondition("size", 70, null, null, null)),
            s => s.Color is "black" or "white" && s.Size < 70);
        yield return ("nothing matches", Must(Keyword("color", "purple")), _ => false);
    }

    private async Task FillAsync()
    {
        var config = new CollectionConfig(8, Metric.L2)
        {
            PayloadIndexes = [new PayloadIndexSpec("color", PayloadFieldType.Keyword), new PayloadIndexSpec("size", PayloadFieldType.Integer), new PayloadIndexSpec("flag", PayloadFieldType.Bool)],
        };
        await _engine.CreateCollectionAsync(Acme, "f", config, default);
        var random = new Random(2024);
        var points = new List<Point>();
        for (var i = 0; i < Points; i++)
        {
            var sample = new Sample(
                PointId.FromNumber((ulong)i),
                Vector(random),
                i % 13 == 0 ? null : Colors[random.Next(Colors.Length)],
                random.Next(100),
                random.NextDouble() * 100,
                random.Next(2) == 0,
                random.Next(4) == 0 ? "fr" : "de",
                [.. Enumerable.Range(0, random.Next(4)).Select(_ => $"t{random.Next(10)}")],
                i % 17 == 0);
            _samples.Add(sample);
            var payload = new JsonObject
            {
                ["size"] = sample.Size,
                ["price"] = sample.Price,
                ["flag"] = sample.Flag,
                ["user"] = new JsonObject { ["country"] = sample.Country },
                ["tags"] = new JsonArray([.. sample.Tags.Select(t => (JsonNode)t)]),
            };
            if (sample.Color is not null)
            {
                payload["color"] = sample.Color;
            }

            if (sample.NullNote)
            {
                payload["note"] = null;
            }

            points.Add(new Point(sample.Id, sample.Vector, payload));
        }

        await _engine.UpsertAsync(Acme, "f", points, default);

        // Replacing and deleting points leaves stale index entries behind; the filter must not see them.
        var replaced = _samples[5] with { Color = "purple-gone", Vector = Vector(random) };
        await _engine.UpsertAsync(Acme, "f", [new Point(replaced.Id, replaced.Vector, new JsonObject { ["size"] = replaced.Size, ["price"] = replaced.Price, ["flag"] = replaced.Flag, ["user"] = new JsonObject { ["country"] = replaced.Country }, ["tags"] = new JsonArray([.. replaced.Tags.Select(t => (JsonNode)t)]), ["color"] = replaced.Color })], default);
        _samples[5] = replaced;
        await _engine.DeleteAsync(Acme, "f", [_samples[6].Id], default);
        _samples.RemoveAt(6);
    }

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble())];
}
