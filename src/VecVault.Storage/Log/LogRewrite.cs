namespace VecVault.Storage.Log;

/// <summary>
/// Replacing a tenant's log by a rewritten one, crash-safely. The new log is written and committed in a sibling
/// directory (<c>.ID.rewrite</c>); then the live directory is renamed to <c>.ID.old</c>, the rewrite to the live
/// name, and the old one deleted. The live directory is renamed away only once the rewrite is complete, so after a
/// crash at any point <see cref="RecoverInterrupted"/> knows which log is the tenant's.
/// </summary>
public static class LogRewrite
{
    /// <summary>Where the rewrite of the log in <paramref name="directory"/> is written.</summary>
    public static string RewriteDirectory(string directory) => Sibling(directory, "rewrite");

    /// <summary>Puts the committed and closed rewrite in place of the closed log in <paramref name="directory"/>.</summary>
    public static void Replace(string directory)
    {
        var old = Sibling(directory, "old");
        Directory.Move(directory, old);
        Directory.Move(RewriteDirectory(directory), directory);
        Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// Finishes or discards every rewrite a crash interrupted under <paramref name="parent"/>: a rewrite beside its
    /// live log never took effect and is deleted; a rewrite whose live log was already renamed away is complete and
    /// takes its place.
    /// </summary>
    public static void RecoverInterrupted(string parent)
    {
        foreach (var rewrite in Directory.EnumerateDirectories(parent, ".*.rewrite"))
        {
            var live = Path.Combine(parent, Path.GetFileName(rewrite)[1..^".rewrite".Length]);
            if (Directory.Exists(live))
            {
                Directory.Delete(rewrite, recursive: true);
            }
            else
            {
                Directory.Move(rewrite, live);
            }
        }

        foreach (var old in Directory.EnumerateDirectories(parent, ".*.old"))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>Every directory a rewrite of <paramref name="directory"/> may leave behind.</summary>
    public static IEnumerable<string> Leftovers(string directory) =>
        new[] { RewriteDirectory(directory), Sibling(directory, "old") }.Where(Directory.Exists);

    private static string Sibling(string directory, string suffix)
    {
        var full = Path.TrimEndingDirectorySeparator(directory);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{suffix}");
    }
}
