using VecVault.Server.Hosting;

var app = ServerHost.Build(args);
await app.RunAsync();
