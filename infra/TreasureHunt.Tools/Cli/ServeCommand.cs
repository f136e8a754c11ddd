using Microsoft.Extensions.Hosting;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

/// <summary>th serve: the local host in the foreground. Settings come from local.settings.sample.json, host.json and the environment (Local__Port, Local__StateDir, ...).</summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = LocalConfiguration.FindRepoRoot();
        var overrides = new Dictionary<string, string?>();
        var configuration = LocalConfiguration.Build(root, overrides);
        var stateDir = configuration["Local:StateDir"]!;
        var access = configuration.GetSection(TreasureHunt.Pipeline.Api.ApiAccessOptions.Section);
        if (LocalKeys.Roles.All(role => string.IsNullOrEmpty(access[$"{role}Key"])))
        {
            // Started by hand (not by ./th up, which passes the keys): the same keys ./th uses.
            foreach (var (name, value) in LocalKeys.Resolve(Path.Combine(root, ".th")).Settings()) overrides[name.Replace("__", ":", StringComparison.Ordinal)] = value;
            configuration = LocalConfiguration.Build(root, overrides);
        }
        Directory.CreateDirectory(stateDir);
        await EmulatorFaults.CheckAsync(configuration["Cosmos:Endpoint"], cancellationToken);
        await using var host = LocalHost.Build(configuration);
        await LocalHost.StartAsync(host, cancellationToken);
        // The PID of the process now listening on the port: ./th talks (and sends the key) only to the process whose
        // PID is recorded here and which holds the listening socket (HostOwnership). ./th up records it too, at spawn.
        var pidFile = HostOwnership.PidFile(stateDir);
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(pidFile, pid, cancellationToken);
        try
        {
            await host.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            if (File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == pid) File.Delete(pidFile);
        }
        return 0;
    }
}
