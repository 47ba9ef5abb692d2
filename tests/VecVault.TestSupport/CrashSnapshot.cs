namespace VecVault.TestSupport;

/// <summary>Simulates a crash: copies a directory as it is on disk now, while its writer still runs.</summary>
public static class CrashSnapshot
{
    /// <summary>Copies every file under <paramref name="source"/> to <paramref name="destination"/>, sharing files the writer holds open.</summary>
    public static void Copy(string source, string destination)
    {
        // The engine's lock file is held exclusively; a crash releases the lock, so the copy starts without it.
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "vecvault.lock"))
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
                // Deleted by the writer since it was listed (FasterLog removes outdated commit files): a crash now would not have it either.
                continue;
            }

            using (input)
            using (var output = File.Create(target))
            {
                input.CopyTo(output);
            }
        }
    }
}
