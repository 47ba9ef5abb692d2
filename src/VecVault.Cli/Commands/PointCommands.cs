using System.CommandLine;
using System.Globalization;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault upsert</c> and <c>vecvault search</c>.</summary>
internal static class PointCommands
{
    public static Command Upsert()
    {
        var collection = new Option<string>("--collection") { Description = "Collection name", Required = true };
        var random = new Option<int>("--random") { Description = "Upsert this many random vectors with ids 1..N", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random vectors", DefaultValueFactory = _ => 1 };
        var upsert = new Command("upsert", "Upsert random vectors (a smoke test of the write path)") { collection, random, seed };
        upsert.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var name = parse.GetValue(collection)!;
            var info = await client.Vectors.GetCollectionAsync(new GetCollectionRequest { Name = name }, cancellationToken: cancellationToken);
            var generator = new Random(parse.GetValue(seed));
            var dimension = (int)info.Collection.Config.Dimension;
            var points = Enumerable.Range(1, parse.GetValue(random))
                .Select(i => Points.Create((ulong)i, RandomVector(generator, dimension)));
            var written = await client.UpsertManyAsync(name, points, cancellationToken: cancellationToken);
            Console.WriteLine(parse.GetValue(CliOptions.Json) ? System.Text.Json.JsonSerializer.Serialize(new { collection = name, upserted = written }) : $"upserted {written} points into {name}");
        }));
        return upsert;
    }

    public static Command Search()
    {
        var collection = new Option<string>("--collection") { Description = "Collection name", Required = true };
        var vector = new Option<string>("--vector") { Description = "Query vector: comma-separated floats; omit for a random one" };
        var k = new Option<uint>("--k") { Description = "Number of results", DefaultValueFactory = _ => 10 };
        var search = new Command("search", "Search a collection") { collection, vector, k };
        search.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var name = parse.GetValue(collection)!;
            float[] query;
            if (parse.GetValue(vector) is { Length: > 0 } text)
            {
                query = [.. text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            }
            else
            {
                var info = await client.Vectors.GetCollectionAsync(new GetCollectionRequest { Name = name }, cancellationToken: cancellationToken);
                query = RandomVector(new Random(), (int)info.Collection.Config.Dimension);
            }

            var response = await client.Vectors.SearchAsync(new SearchRequest { Collection = name, K = parse.GetValue(k), Vector = Points.Vector(query) }, cancellationToken: cancellationToken);
            if (CliOptions.TryPrintJson(parse, response))
            {
                return;
            }

            foreach (var hit in response.Results)
            {
                Console.WriteLine($"{(hit.Id.HasNum ? hit.Id.Num.ToString(CultureInfo.InvariantCulture) : hit.Id.Uuid)}\t{hit.Score.ToString("G6", CultureInfo.InvariantCulture)}");
            }

            Console.WriteLine($"{response.Results.Count} results in {response.TimeMicros} µs (server time)");
        }));
        return search;
    }

    private static float[] RandomVector(Random random, int dimension) =>
        [.. Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
