using Spectre.Console;

namespace VecVault.Bench.Byok;

/// <summary>
/// Progress of a run with several lanes (one per key mode) of a fixed number of steps: Spectre progress bars on a
/// terminal, time-stamped lines on standard error when the output is redirected (CI logs, pipes).
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, which reports each step done as (lane, what it measured).</summary>
    public static async Task<T> RunAsync<T>(IReadOnlyList<string> lanes, int steps, Func<Action<int, string>, Task<T>> work)
    {
        if (Console.IsOutputRedirected || Console.IsErrorRedirected)
        {
            return await work((lane, message) => Console.Error.WriteLine($"[{DateTimeOffset.Now:HH:mm:ss}] {lanes[lane]}: {message}"));
        }

        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = lanes.Select(lane => context.AddTask(Markup.Escape(lane), autoStart: false, maxValue: steps)).ToArray();
                return await work((lane, message) =>
                {
                    var task = tasks[lane];
                    task.StartTask();
                    task.Increment(1);
                    task.Description = Markup.Escape($"{lanes[lane]}: {message}");
                });
            });
    }
}
