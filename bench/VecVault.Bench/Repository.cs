namespace VecVault.Bench;

/// <summary>Where the repository is: the nearest directory above the program holding VecVault.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = Find(AppContext.BaseDirectory) ?? Find(Environment.CurrentDirectory)
        ?? throw new InvalidOperationException("run vecvault-bench from inside the repository");

    private static string? Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VecVault.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
