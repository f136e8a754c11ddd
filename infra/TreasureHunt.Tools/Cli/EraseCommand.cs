using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th erase USER…</c>: requests the erasure of each user through the running host (<c>DELETE /api/users/{userId}</c>)
/// and, unless <c>--no-wait</c>, waits until the pipeline has applied each one (<c>GET /api/erasures/{erasureId}</c>),
/// printing what every store did. Exit 0 when all are applied, 1 on a refused request, 4 when the wait timed out.
/// </summary>
internal sealed class EraseCommand : AsyncCommand<EraseCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [Description("The user ids to erase.")]
        [CommandArgument(0, "<USER>")]
        public string[] Users { get; init; } = [];

        [Description("Return once requested, without waiting for the pipeline to apply the erasures.")]
        [CommandOption("--no-wait")]
        public bool NoWait { get; init; }

        [Description("Seconds to wait for the erasures to be applied (default 120).")]
        [CommandOption("--timeout <SECONDS>")]
        public int TimeoutSeconds { get; init; } = 120;

        public override ValidationResult Validate()
        {
            if (Users.Length == 0) return ValidationResult.Error("name at least one user");
            if (Users.FirstOrDefault(u => !ContractLimits.IsValidId(u)) is { } bad) return ValidationResult.Error($"'{bad}' is not a user id: {ContractLimits.IdRule()}");
            return TimeoutSeconds is < 1 or > 3600 ? ValidationResult.Error("--timeout must be from 1 to 3600") : ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null) return 1;
        var pending = new List<(string User, string ErasureId)>();
        foreach (var user in settings.Users.Distinct(StringComparer.Ordinal))
        {
            var (status, body) = await client.EraseUserAsync(user, cancellationToken);
            if (status != 202)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]erasing {user} answered {status}[/]: {body}");
                return 1;
            }
            var erasureId = body.GetProperty("erasureId").GetString()!;
            AnsiConsole.MarkupLineInterpolated($"{user}: erasure {erasureId} requested");
            pending.Add((user, erasureId));
        }
        if (settings.NoWait) return 0;
        var deadline = DateTime.UtcNow.AddSeconds(settings.TimeoutSeconds);
        while (pending.Count > 0)
        {
            foreach (var (user, erasureId) in pending.ToList())
            {
                var (status, body) = await client.GetErasureAsync(erasureId, cancellationToken);
                if (status == 200 && body.GetProperty("state").GetString() == "applied")
                {
                    var stores = string.Join(", ", body.GetProperty("stores").EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetString()}"));
                    AnsiConsole.MarkupLineInterpolated($"[green]{user}: erased[/] at partition {body.GetProperty("partitionId").GetString()} sequence {body.GetProperty("sequenceNumber").GetInt64()} ({stores})");
                    pending.Remove((user, erasureId));
                }
            }
            if (pending.Count == 0) break;
            if (DateTime.UtcNow > deadline)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{pending.Count} erasure(s) not applied yet after {settings.TimeoutSeconds} s[/] (is the host processing? th status); follow them with GET /api/erasures/{{erasureId}}");
                return 4;
            }
            await Task.Delay(250, cancellationToken);
        }
        return 0;
    }
}
