using System.CommandLine;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault collection create|list|info|delete</c>.</summary>
internal static class CollectionCommands
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Collection name", Required = true };
        var dimension = new Option<uint>("--dim") { Description = "Vector dimension", Required = true };
        var metric = new Option<string>("--metric") { Description = "cosine, l2 or dot", DefaultValueFactory = _ => "cosine" };
        metric.AcceptOnlyFromAmong("cosine", "l2", "dot");
        var create = new Command("create", "Create a collection") { name, dimension, metric };
        create.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Vectors.CreateCollectionAsync(new CreateCollectionRequest
            {
                Name = parse.GetValue(name),
                Config = new CollectionConfig
                {
                    Dimension = parse.GetValue(dimension),
                    Metric = parse.GetValue(metric) switch { "l2" => Metric.L2, "dot" => Metric.Dot, _ => Metric.Cosine },
                },
            }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => $"created collection {response.Collection.Name} ({response.Collection.Config.Dimension} dims, {response.Collection.Config.Metric})");
        }));

        var list = new Command("list", "List collections");
        list.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Vectors.ListCollectionsAsync(new ListCollectionsRequest(), cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => string.Join('\n', response.Collections.Select(collection =>
                $"{collection.Name}\tdim={collection.Config.Dimension}\t{collection.Config.Metric}\tpoints={collection.PointCount}")));
        }));

        var infoName = new Option<string>("--name") { Description = "Collection name", Required = true };
        var info = new Command("info", "Show a collection") { infoName };
        info.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Vectors.GetCollectionAsync(new GetCollectionRequest { Name = parse.GetValue(infoName) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response.Collection, () => response.Collection.ToString());
        }));

        var deleteName = new Option<string>("--name") { Description = "Collection name", Required = true };
        var delete = new Command("delete", "Delete a collection") { deleteName };
        delete.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var response = await client.Vectors.DeleteCollectionAsync(new DeleteCollectionRequest { Name = parse.GetValue(deleteName) }, cancellationToken: cancellationToken);
            CliOptions.Print(parse, response, () => "deleted");
        }));

        return new Command("collection", "Collections (tenant key)") { create, list, info, delete };
    }
}
