namespace VecVault.Storage.Log;

/// <summary>A committed record read back from a tenant's log.</summary>
/// <param name="Address">Its logical address in the log.</param>
/// <param name="Bytes">Its bytes.</param>
/// <param name="NextAddress">The address of the record after it.</param>
public readonly record struct LogRecord(long Address, byte[] Bytes, long NextAddress);

/// <summary>The addresses of a run of records appended together: from <paramref name="Begin"/> up to, not including, <paramref name="End"/>.</summary>
/// <param name="Begin">Address of the first record.</param>
/// <param name="End">Address after the last record.</param>
public readonly record struct LogRange(long Begin, long End);
