using System.Reflection;

namespace VecVault.IntegrationTests;

/// <summary>The dependency rules of ARCHITECTURE.md, read from the built assemblies' references.</summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> AllowedVecVaultReferences = new()
    {
        ["VecVault.Core"] = [],
        ["VecVault.Memory"] = ["VecVault.Core"],
        ["VecVault.Crypto"] = ["VecVault.Core", "VecVault.Memory"],
        ["VecVault.Crypto.Pkcs11"] = ["VecVault.Core", "VecVault.Memory", "VecVault.Crypto"],
        ["VecVault.Storage"] = ["VecVault.Core", "VecVault.Crypto"],
        ["VecVault.Index"] = ["VecVault.Core", "VecVault.Memory"],
        ["VecVault.Engine"] = ["VecVault.Core", "VecVault.Memory", "VecVault.Crypto", "VecVault.Storage", "VecVault.Index"],
        ["VecVault.Protocol"] = [],
        ["vecvault-server"] = ["VecVault.Core", "VecVault.Memory", "VecVault.Crypto", "VecVault.Crypto.Pkcs11", "VecVault.Storage", "VecVault.Index", "VecVault.Engine", "VecVault.Protocol"],
        ["VecVault.Client"] = ["VecVault.Protocol"],
        ["vecvault"] = ["VecVault.Client", "VecVault.Protocol", "VecVault.Core", "VecVault.Crypto.Pkcs11"],
    };

    /// <summary>Outside systems and the only assemblies that may reference them.</summary>
    private static readonly (string Prefix, string[] Allowed)[] Adapters =
    [
        ("Pkcs11Interop", ["VecVault.Crypto.Pkcs11"]),
        ("FASTER.", ["VecVault.Storage"]),
        ("Grpc.", ["VecVault.Protocol", "vecvault-server", "VecVault.Client", "vecvault"]),
        ("Google.", ["VecVault.Protocol", "vecvault-server", "VecVault.Client", "vecvault"]),
        ("Microsoft.AspNetCore", ["vecvault-server"]),
    ];

    [Fact]
    public void No_assembly_has_a_forbidden_reference()
    {
        var violations = new List<string>();
        foreach (var (name, allowed) in AllowedVecVaultReferences)
        {
            var assembly = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, name + ".dll"));
            foreach (var reference in assembly.GetReferencedAssemblies().Select(r => r.Name!))
            {
                if ((reference.StartsWith("VecVault.", StringComparison.Ordinal) || reference is "vecvault" or "vecvault-server") && !allowed.Contains(reference))
                {
                    violations.Add($"{name} -> {reference}");
                }

                foreach (var (prefix, owners) in Adapters)
                {
                    if (reference.StartsWith(prefix, StringComparison.Ordinal) && !owners.Contains(name))
                    {
                        violations.Add($"{name} -> {reference}");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "forbidden references: " + string.Join(", ", violations));
    }

    [Fact]
    public void The_rules_cover_every_project_in_src()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src"));
        var projects = Directory.EnumerateDirectories(root).Select(Path.GetFileName).ToList();
        Assert.Equal(11, projects.Count);
        Assert.Equal(AllowedVecVaultReferences.Count, projects.Count);
    }
}
