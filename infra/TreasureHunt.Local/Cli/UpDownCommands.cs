using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Local.Cli;

internal sealed class UpCommand : AsyncCommand<UpCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await Up(cancellationToken);
        return 0;
    }

    public static async Task<Load.HostClient> Up(CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        var port = HostPort();
        var (client, started) = await AnsiConsole.Status().StartAsync("Starting the local host…",
            _ => stack.EnsureHostAsync(port, stack.StateDir, new Dictionary<string, string>(), cancellationToken));
        AnsiConsole.MarkupLineInterpolated($"[green]{(started ? "Up" : "Already up")}[/]: {client.BaseUrl}  (API key: TH_API_KEY, or the file {Path.Combine(stack.StateDir, "api-key")}; send it as x-functions-key)");
        return client;
    }

    public static int HostPort() => int.TryParse(Environment.GetEnvironmentVariable("TH_PORT"), out var p) ? p : 7071;
}

internal sealed class DownCommand : AsyncCommand<DownCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        await LocalStack.StopHostAsync(stack.StateDir);
        await stack.StopEmulatorsAsync(cancellationToken);
        AnsiConsole.MarkupLine("[green]Down[/]: host and emulators stopped.");
        return 0;
    }
}

internal sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null)
        {
            return 1;
        }
        var status = await client.GetStatusAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Host {client.BaseUrl}: {status.Processed:N0} of {status.Messages:N0} messages processed, {status.RollupsPending} partitions with unsent rollups{(status.Quiescent ? " (quiescent)" : "")}.");
        return 0;
    }
}
