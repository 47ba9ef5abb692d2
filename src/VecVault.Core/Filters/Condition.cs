namespace VecVault.Core.Filters;

/// <summary>One condition of a <see cref="Filter"/>.</summary>
public abstract record Condition;
