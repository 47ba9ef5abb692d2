using VecVault.Server.Hosting;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

var app = ServerHost.Build(args);
await app.RunAsync();
