namespace VecVault.TestSupport;

/// <summary>Simulates a crash: copies a directory as it is on disk now, while its writer still runs.</summary>
public static class CrashSnapshot
{
    /// <summary>
    /// Copies every file under <paramref name="source"/> to <paramref name="destination"/>, sharing files the writer
    /// holds open. FasterLog's commit metadata is copied first: a commit names only log data flushed before it, and
    /// log files only grow, so the copy is a state a crash at the moment of the first copy could leave (copying the
    /// other way round could pair old data with a newer commit).
    /// </summary>
    public static void Copy(string source, string destination)
    {
        // A commit file can vanish while it is copied (FasterLog writes the next one, then removes the old): list again until one is copied.
        var commits = 0;
        for (var attempt = 0; attempt < 100 && commits == 0; attempt++)
        {
            var listed = Files(source).Where(IsCommit).ToList();
            commits = listed.Count(file => CopyFile(source, destination, file));
            if (listed.Count == 0)
            {
                break;
            }
        }

        foreach (var file in Files(source).Where(f => !IsCommit(f)))
        {
            CopyFile(source, destination, file);
        }
    }

    // The engine's lock file is held exclusively; a crash releases the lock, so the copy starts without it.
    private static IEnumerable<string> Files(string source) =>
        Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "vecvault.lock");

    private static bool IsCommit(string file) => file.Split(Path.DirectorySeparatorChar).Contains("commits");

    private static bool CopyFile(string source, string destination, string file)
    {
        var target = Path.Combine(destination, Path.GetRelativePath(source, file));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        FileStream input;
        try
        {
            input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // Deleted by the writer since it was listed: a crash now would not have it either.
            return false;
        }

        using (input)
        using (var output = File.Create(target))
        {
            input.CopyTo(output);
        }

        return true;
    }
}
