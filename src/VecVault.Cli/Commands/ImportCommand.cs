using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using VecVault.Cli.Import;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Commands;

/// <summary><c>vecvault import</c>: vectors from an fvecs, .npy or JSON lines file, in acknowledged batches, with a progress bar and the rate.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var collection = new Option<string>("--collection") { Description = "Collection to import into", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The file: .fvecs, .npy (2-D float32/float64) or .jsonl ({\"id\", \"vector\", \"payload\"} per line)", Required = true };
        var format = new Option<string>("--format") { Description = "fvecs, npy or jsonl (default: by the file's extension)", DefaultValueFactory = _ => "" };
        var firstId = new Option<ulong>("--first-id") { Description = "Id of the first vector of an fvecs or .npy file; the next get the ids after it", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "Points per upsert", DefaultValueFactory = _ => 1000 };
        var import = new Command("import", "Import vectors from a file (tenant key)") { collection, file, format, firstId, batch };
        import.SetAction((parse, cancellationToken) => CliOptions.RunAsync(parse, async client =>
        {
            var name = parse.GetValue(collection)!;
            var path = parse.GetValue(file)!.FullName;
            VectorFile source;
            try
            {
                source = VectorFile.Open(path, parse.GetValue(format) ?? "");
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 2;
            }

            var size = Math.Clamp(parse.GetValue(batch), 1, 10_000);
            var json = parse.GetValue(CliOptions.Json);
            var started = Stopwatch.GetTimestamp();
            ulong written = 0;
            async Task Run(Action<ulong> progress)
            {
                foreach (var chunk in source.Read(parse.GetValue(firstId)).Chunk(size))
                {
                    var request = new UpsertRequest { Collection = name, Points = { chunk } };
                    written += (await client.Vectors.UpsertAsync(request, cancellationToken: cancellationToken)).Upserted;
                    progress(written);
                }
            }

            if (json || Console.IsOutputRedirected)
            {
                await Run(_ => { });
            }
            else
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"importing into {name}", maxValue: Math.Max(1, source.Count));
                        await Run(done =>
                        {
                            task.Value = done;
                            task.Description = $"{name}: {done:N0} of {source.Count:N0} ({done / Stopwatch.GetElapsedTime(started).TotalSeconds:N0} vectors/s)";
                        });
                    });
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine(json
                ? JsonSerializer.Serialize(new { collection = name, imported = written, seconds = Math.Round(seconds, 3), vectors_per_second = Math.Round(written / seconds) })
                : $"imported {written:N0} vectors into {name} in {seconds:0.0} s ({written / seconds:N0} vectors/s)");
            return 0;
        }));
        return import;
    }
}
