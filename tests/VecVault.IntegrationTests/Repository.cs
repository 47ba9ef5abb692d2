namespace VecVault.IntegrationTests;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repository
{
    /// <summary>The directory holding VecVault.sln, above the test's own.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The vecvault CLI as built by the solution (its own output directory, with its own dependencies).</summary>
    public static string Cli => Path.Combine(Root, "src", "VecVault.Cli", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "vecvault.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VecVault.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (holding VecVault.sln) is not above the test's directory");
    }
}
