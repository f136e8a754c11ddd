using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Capacity;
using TreasureHunt.Core.Costs;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th plan: the capacity and cost planner (infra/TreasureHunt.Capacity/CapacityModel). Prints the plan as tables
/// (or JSON) and, with --out, writes a .bicepparam for bicep/main.bicep. Needs no emulator and no Azure access.
/// </summary>
internal sealed class PlanCommand : Command<PlanCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--events-per-second <N>"), Description("Sustained ingress (events/s); the monthly cost is computed on it")]
        public double? EventsPerSecond { get; init; }

        [CommandOption("--peak-factor <X>"), Description("Peak ÷ sustained; capacity is sized for the peak"), DefaultValue(3.0)]
        public double PeakFactor { get; init; }

        [CommandOption("--users <U>"), Description("Active users (Zipf)"), DefaultValue(10_000_000L)]
        public long Users { get; init; }

        [CommandOption("--items <I>"), Description("Items in the catalog (Zipf)"), DefaultValue(1_000_000L)]
        public long Items { get; init; }

        [CommandOption("--partitions <P>"), Description("Event Hubs partitions (default: chosen by the planner)")]
        public int? Partitions { get; init; }

        [CommandOption("--tier <TIER>"), Description("Standard, Premium or Dedicated (default: the cheapest that carries the peak)")]
        public string? Tier { get; init; }

        [CommandOption("--batch-size <N>"), Description("host.json maxEventBatchSize"), DefaultValue(1_000)]
        public int BatchSize { get; init; }

        [CommandOption("--freshness-ms <F>"), Description("Target freshness; half of it fills a batch"), DefaultValue(2_000.0)]
        public double FreshnessMs { get; init; }

        [CommandOption("--instance-memory-mb <MB>"), Description("Flex Consumption instance memory: 512, 2048 or 4096"), DefaultValue(2_048)]
        public int InstanceMemoryMb { get; init; }

        [CommandOption("--shard-count <S>"), Description("Rollups:ShardCount: itemshard entities"), DefaultValue(16)]
        public int ShardCount { get; init; }

        [CommandOption("--flush-min-events <N>"), Description("Rollups:FlushMinEvents: a partition seals its pending rollup at this many messages"), DefaultValue(4_000)]
        public int FlushMinEvents { get; init; }

        [CommandOption("--flush-max-age-seconds <T>"), Description("Rollups:FlushMaxAgeSeconds: ...or when its oldest part is this old (the freshness table compares 1, 2, 5 and 10 s)"), DefaultValue(2.0)]
        public double FlushMaxAgeSeconds { get; init; }

        [CommandOption("--item-flush-seconds <T>"), Description("Rollups:ItemFlushSeconds: an itemshard seals its item deltas when they are this old..."), DefaultValue(1.0)]
        public double ItemFlushSeconds { get; init; }

        [CommandOption("--item-flush-max-items <N>"), Description("Rollups:ItemFlushMaxItems: ...or hold this many items and keys"), DefaultValue(1_900)]
        public int ItemFlushMaxItems { get; init; }

        [CommandOption("--reshard-to <S>"), Description("Shard count of a live reshard whose leaderboard documents are sized (default: twice --shard-count, or the largest count the start-up check admits for the declared leaderboards of --definitions if smaller)")]
        public int? ReshardTo { get; init; }

        [CommandOption("--capture"), Description("Enable Event Hubs Capture (Avro to the storage account)")]
        public bool Capture { get; init; }

        [CommandOption("--region-prices <FILE>"), Description("JSON object overriding PriceTable properties (your region's list prices)")]
        public string? RegionPrices { get; init; }

        [CommandOption("--bench <FILE>"), Description("./th bench results to take the per-event figures from (default: docs/bench-results-2026-11-27.json, the run the planner is calibrated on)")]
        public string? Bench { get; init; }

        [CommandOption("--out <FILE.bicepparam>"), Description("Write the plan as parameters for bicep/main.bicep")]
        public string? Out { get; init; }

        [CommandOption("--environment <ENV>"), Description("environmentName written to --out: dev, test or prod"), DefaultValue("prod")]
        public string Environment { get; init; } = "prod";

        [CommandOption("--definitions <FILE>"), Description("Feature definitions whose keyed groups and leaderboards are priced (e.g. features/examples/keyed-groups.json)")]
        public string? Definitions { get; init; }

        [CommandOption("--keys <GROUP=N>"), Description("Distinct keys of a keyed group of --definitions (repeat per group; 'item' takes --items, 'global' is 1)")]
        public string[] Keys { get; init; } = [];

        [CommandOption("--json"), Description("Print the plan as JSON instead of tables")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (EventsPerSecond is null) return ValidationResult.Error("--events-per-second is required (e.g. ./th plan --events-per-second 50000).");
            if (Tier is not null && !Enum.TryParse<EventHubsTier>(Tier, ignoreCase: true, out _)) return ValidationResult.Error("--tier must be Standard, Premium or Dedicated.");
            if (Environment is not ("dev" or "test" or "prod")) return ValidationResult.Error("--environment must be dev, test or prod.");
            if (Out is not null && !Out.EndsWith(".bicepparam", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error("--out must name a .bicepparam file.");
            if (RegionPrices is not null && !File.Exists(RegionPrices)) return ValidationResult.Error($"--region-prices: {RegionPrices} does not exist.");
            if (RegionPrices is not null)
            {
                try
                {
                    ReadPrices(RegionPrices);
                }
                catch (InvalidOperationException e)
                {
                    return ValidationResult.Error(e.Message);
                }
            }
            if (Bench is not null && !File.Exists(Bench)) return ValidationResult.Error($"--bench: {Bench} does not exist.");
            if (Keys.Length > 0 && Definitions is null) return ValidationResult.Error("--keys needs --definitions (the file that declares the groups).");
            if (Definitions is not null && !File.Exists(Definitions)) return ValidationResult.Error($"--definitions: {Definitions} does not exist.");
            if (ToInputs().Validate() is { } error) return ValidationResult.Error(error);
            try
            {
                WithKeyedGroups(ToInputs());
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                return ValidationResult.Error(e.Message);
            }
            return ValidationResult.Success();
        }

        public CapacityInputs ToInputs() => new()
        {
            EventsPerSecond = EventsPerSecond ?? 0,
            PeakFactor = PeakFactor,
            Users = Users,
            Items = Items,
            Partitions = Partitions,
            Tier = Tier is null ? null : Enum.Parse<EventHubsTier>(Tier, ignoreCase: true),
            MaxBatchSize = BatchSize,
            FreshnessMs = FreshnessMs,
            InstanceMemoryMb = InstanceMemoryMb,
            Capture = Capture,
            RollupShardCount = ShardCount,
            RollupFlushMinEvents = FlushMinEvents,
            RollupFlushMaxAgeSeconds = FlushMaxAgeSeconds,
            ItemFlushSeconds = ItemFlushSeconds,
            ItemFlushMaxItems = ItemFlushMaxItems,
            ReshardShardCount = ReshardTo,
        };

        /// <summary>The inputs with the keyed groups of --definitions at the --keys cardinalities (unchanged without --definitions).</summary>
        public CapacityInputs WithKeyedGroups(CapacityInputs inputs)
        {
            if (Definitions is null) return inputs;
            var keys = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var entry in Keys)
            {
                var parts = entry.Split('=', 2);
                if (parts.Length != 2 || !long.TryParse(parts[1].Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
                {
                    throw new ArgumentException($"--keys {entry}: expected GROUP=N with N >= 1 distinct keys (e.g. --keys category=1000).");
                }
                if (!keys.TryAdd(parts[0], n)) throw new ArgumentException($"--keys {parts[0]} is given twice.");
            }
            var definitions = TreasureHunt.Core.Features.FeatureDefinitionsReader.Load(Definitions);
            return KeyedGroupCapacity.WithGroups(inputs, definitions, keys);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var prices = settings.RegionPrices is { } pricesFile ? ReadPrices(pricesFile) : new PriceTable();
        var (measured, measuredFrom) = ReadMeasured(settings.Bench);
        var plan = new CapacityModel(measured, prices).Plan(settings.WithKeyedGroups(settings.ToInputs()));

        if (settings.Out is { } outFile)
        {
            var root = LocalConfiguration.FindRepoRoot();
            var fullOut = Path.GetFullPath(outFile);
            var usingPath = Path.GetRelativePath(Path.GetDirectoryName(fullOut)!, Path.Combine(root, "bicep", "main.bicep"));
            var commandLine = "./th " + string.Join(' ', context.Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
            File.WriteAllText(fullOut, BicepParameterFile.Write(plan, usingPath, settings.Environment, commandLine));
        }

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { plan, measuredFrom, prices }, JsonOptions));
            return 0;
        }
        Render(plan, measured, measuredFrom, prices);
        if (settings.Out is { } written) AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{written}[/]: bicep build-params {written}, then azd up or infra/deploy.sh (docs/deploy.md).");
        return 0;
    }

    internal static PriceTable ReadPrices(string file)
    {
        try
        {
            var prices = JsonSerializer.Deserialize<PriceTable>(File.ReadAllText(file), new JsonSerializerOptions
            {
                PropertyNameCaseInsensitive = true,
                UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
                ReadCommentHandling = JsonCommentHandling.Skip,
            }) ?? new PriceTable();
            // The same rules as FinOps:Prices at start-up (the SettingRange attributes of PriceTable).
            var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            return System.ComponentModel.DataAnnotations.Validator.TryValidateObject(prices, new(prices), errors, validateAllProperties: true)
                ? prices
                : throw new InvalidOperationException($"--region-prices {file}: {errors[0].ErrorMessage}");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"--region-prices {file}: {e.Message} (expected a JSON object of PriceTable properties, e.g. {{\"cosmosUsdPerMillionRu\": 0.28}}).", e);
        }
    }

    private static (MeasuredFigures Figures, string From) ReadMeasured(string? benchFile)
    {
        var file = benchFile;
        if (file is null)
        {
            try
            {
                var candidate = Path.Combine(LocalConfiguration.FindRepoRoot(), "docs", MeasuredFigures.CalibrationFile);
                if (File.Exists(candidate)) file = candidate;
            }
            catch (InvalidOperationException)
            {
                // Not inside the repository: the built-in figures (the committed bench run) apply.
            }
        }
        return file is null
            ? (MeasuredFigures.Default, $"built-in defaults (docs/{MeasuredFigures.CalibrationFile})")
            : (MeasuredFigures.FromBenchJson(File.ReadAllText(file)), file);
    }

    private static void Render(CapacityPlan plan, MeasuredFigures measured, string measuredFrom, PriceTable prices)
    {
        var c = CultureInfo.InvariantCulture;
        var p = plan.Inputs;
        AnsiConsole.Write(new Rule($"Capacity plan: {p.EventsPerSecond:N0} events/s sustained, {p.PeakEventsPerSecond:N0}/s peak (×{p.PeakFactor:0.##})").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{p.Users:N0} users, {p.Items:N0} items (Zipf s={p.ZipfExponent:0.##}); batch ≤ {p.MaxBatchSize:N0}, freshness {p.FreshnessMs:N0} ms; per-event figures from {measuredFrom} ({measured.RuPerStoreWrite:F2} RU per store write, {measured.EventsPerSecondPerVcpu:N0} events/s per vCPU).[/]");

        var capacity = new Table().Title("What to deploy").AddColumn("Resource").AddColumn("Setting").AddColumn(new TableColumn("Sustained").RightAligned()).AddColumn(new TableColumn("Peak").RightAligned());
        var eh = plan.EventHubs;
        capacity.AddRow("Event Hubs", $"{eh.Tier}, {eh.Units} {eh.UnitName}, {eh.Partitions} partitions, {eh.RetentionHours} h retention{(eh.Capture ? ", Capture on" : "")}",
            $"{p.EventsPerSecond * measured.EventBytes / 1e6:N1} MB/s", $"{eh.PeakIngressBytesPerSecond / 1e6:N1} MB/s");
        capacity.AddRow("Cosmos DB", plan.Cosmos.Serverless ? "Serverless" : "Autoscale (per container)", "", "");
        foreach (var container in plan.Cosmos.Containers)
        {
            var setting = plan.Cosmos.Serverless ? "RU/s (≤ 5,000 serverless)" : $"autoscale max {container.AutoscaleMaxRuPerSecond:N0} RU/s";
            if (container.Container == "progress" && plan.Cosmos.ProgressDocument is { } progress)
            {
                setting += $"; documents {Bytes(progress.AverageBytes)} on average ({Bytes(progress.SealedBytes)} sealing), {progress.RuPerWrite:N1} RU per write";
            }
            capacity.AddRow($"  {container.Container}", setting, $"{container.SustainedRuPerSecond:N0} RU/s", $"{container.PeakRuPerSecond:N0} RU/s");
        }
        capacity.AddRow("  storage", $"{plan.Cosmos.UserDocumentBytes / 1024:N1} KB per user document" + (plan.RollupsSustained.Cosmos is { } stored
            ? $"; {Bytes(stored.ItemDocumentBytes)} per item document ({Bytes(stored.ItemDocuments * stored.ItemDocumentBytes)}), {stored.LeaderboardDocuments:N0} leaderboard documents"
            : ""), $"{plan.Cosmos.StorageGb:N1} GB", "");
        var f = plan.Functions;
        capacity.AddRow("Functions (Flex)", $"{f.InstanceMemoryMb} MB ({f.Vcpu:0.##} vCPU), max {f.MaximumInstanceCount} instances; {f.EventsPerSecondPerInstance:N0} events/s per instance",
            $"{p.EventsPerSecond / f.EventsPerSecondPerInstance:N1} busy", $"{f.InstancesAtPeak} instances");
        capacity.AddRow("Batches", "events per batch; user writes per event",
            $"{plan.Sustained.BatchSize:N0}; {plan.Sustained.UserWritesPerEvent:F3}", $"{plan.Peak.BatchSize:N0}; {plan.Peak.UserWritesPerEvent:F3}");
        capacity.AddRow("Cosmos RU per event", "all containers (users, progress, and the rollup's items and leaderboards)", $"{plan.RuPerEventSustained:F2}", $"{plan.RuPerEventPeak:F2}");
        var s = plan.Storage;
        capacity.AddRow("Task hub storage", "queue + table + blob ops/s (entities, checkpoints, ledger)",
            $"{s.Sustained.Total:N0} ({s.Sustained.QueueOps:N0}+{s.Sustained.TableOps:N0}+{s.Sustained.BlobOps:N0})", $"{s.Peak.Total:N0} ({s.Peak.QueueOps:N0}+{s.Peak.TableOps:N0}+{s.Peak.BlobOps:N0})");
        capacity.AddRow("Rollups", plan.RollupDesign, $"{plan.RollupsSustained.SignalsPerEvent:F4} signals/event", $"{plan.RollupsPeak.SignalsPerEvent:F4} signals/event");
        for (var i = 0; i < plan.RollupsPeak.Entities.Count; i++)
        {
            var sustained = plan.RollupsSustained.Entities[i];
            var peak = plan.RollupsPeak.Entities[i];
            capacity.AddRow($"  {peak.Entity} ×{peak.Instances}", Markup.Escape($"state ≤ {Bytes(peak.StateBytes)} at peak ({Bytes(sustained.StateBytes)} sustained): {peak.StateNote}"),
                $"{sustained.OpsPerSecondPerInstance:N1} ops/s each", $"{peak.OpsPerSecondPerInstance:N1} ops/s each");
        }
        if (plan.RollupsSustained.ItemShard is { } bs && plan.RollupsPeak.ItemShard is { } bp)
        {
            capacity.AddRow("  itemshard buffers", Markup.Escape($"seals every ≤ {p.ItemFlushSeconds:0.##} s or {p.ItemFlushMaxItems:N0} items; pending ≤ {Bytes(bp.PendingBytes)}, sealed ≤ {Bytes(bp.SealedBytes)}, applied ranges {Bytes(bp.AppliedRangesBytes)} at peak"),
                $"{bs.ItemsPerFlush:N0} items / {bs.FlushIntervalSeconds:N2} s", $"{bp.ItemsPerFlush:N0} items / {bp.FlushIntervalSeconds:N2} s");
            capacity.AddRow("  itemshard Cosmos ops", "point reads + replaces one shard issues while writing its sealed buffers",
                $"{bs.CosmosOperationsPerSecond:N0}/s", $"{bp.CosmosOperationsPerSecond:N0}/s");
        }
        if (plan.RollupsSustained.Cosmos is { } cs && plan.RollupsPeak.Cosmos is { } cp)
        {
            capacity.AddRow("  item documents", $"{Bytes(cp.ItemDocumentBytes)} each (worst case): point read + replace per sealed item",
                $"{cs.ItemWritesPerSecond:N0} writes/s, {cs.ItemRuPerSecond:N0} RU/s", $"{cp.ItemWritesPerSecond:N0} writes/s, {cp.ItemRuPerSecond:N0} RU/s");
            capacity.AddRow("  leaderboard documents", $"{Bytes(cp.LeaderboardDocumentBytes)} each ({Bytes(cp.LeaderboardDocumentBytesDuringReshard)} while resharding {p.RollupShardCount} → {p.ReshardTarget}): read + ETag replace per touched (window, type)",
                $"{cs.LeaderboardWritesPerSecond:N0} writes/s, {cs.LeaderboardRuPerSecond:N0} RU/s", $"{cp.LeaderboardWritesPerSecond:N0} writes/s, {cp.LeaderboardRuPerSecond:N0} RU/s");
            capacity.AddRow("  queries", $"leaderboard: {plan.RollupsPeak.EntitiesReadPerLeaderboardQuery:N0} document read ({Bytes(cp.LeaderboardDocumentBytes)}); item stats: 1 point read ({Bytes(plan.RollupsPeak.ItemStatsReadBytes)})", "", "");
        }
        AnsiConsole.Write(capacity);
        AnsiConsole.Write(FreshnessTable(plan));
        if (plan.RollupsPeak.Keyed is { Count: > 0 } keyedPeak)
        {
            var keyed = new Table().Title("Keyed groups at peak (every event carries every key; RU priced on typical documents; --json for sustained)")
                .AddColumn("Group").AddColumn(new TableColumn("Keys").RightAligned()).AddColumn("Document typical / worst")
                .AddColumn(new TableColumn("items writes/s, RU/s").RightAligned())
                .AddColumn("Leaderboard docs: kept, typical / worst").AddColumn(new TableColumn("writes/s, RU/s").RightAligned());
            foreach (var kp in keyedPeak)
            {
                var document = $"{Bytes(kp.TypicalDocumentBytes)} / {Bytes(kp.WorstDocumentBytes)}";
                keyed.AddRow(Markup.Escape(kp.Group), $"{kp.Keys:N0}",
                    Markup.Escape(kp.DocumentWritesPerSecond == 0 && kp.KeysPerShardSeal > 0 ? $"item documents {document}" : document),
                    kp.DocumentWritesPerSecond == 0 ? "(item writes)" : $"{kp.DocumentWritesPerSecond:N0}, {kp.DocumentRuPerSecond:N0}",
                    kp.LeaderboardDocuments > 0 ? $"{kp.LeaderboardDocuments:N0}, {Bytes(kp.TypicalLeaderboardBytes)} / {Bytes(kp.WorstLeaderboardBytes)}" : "none",
                    kp.LeaderboardDocuments > 0 ? $"{kp.LeaderboardWritesPerSecond:N1}, {kp.LeaderboardRuPerSecond:N0}" : "");
            }
            AnsiConsole.Write(keyed);
            if (plan.RollupsSustained.Keyed is { } keyedSustained)
            {
                AnsiConsole.MarkupLine(Markup.Escape("Per group, sustained (RU/s of its documents, leaderboards and share of the item documents; $ at the serverless RU price, as the cost ledger prices a feature): "
                    + string.Join("; ", keyedSustained.Select(k => $"{k.Group} {k.RuPerSecond:N0} RU/s ${k.UsdPerMonthAtServerlessPrice(prices.CosmosUsdPerMillionRu):N0}/month"))));
            }
        }

        var cost = new Table().Title("Modeled cost per month (730 h, at the sustained rate)").AddColumn("Meter").AddColumn("Basis").AddColumn(new TableColumn("USD / month").RightAligned());
        foreach (var line in plan.Cost.Lines) cost.AddRow(Markup.Escape(line.Meter), Markup.Escape(line.Basis), line.UsdPerMonth.ToString("N2", c));
        cost.AddRow("[bold]Total[/]", $"{plan.Cost.EventsPerMonth / 1e9:N2} billion events", $"[bold]{plan.Cost.Total.ToString("N2", c)}[/]");
        cost.AddRow("[bold]$ per million events[/]", "all meters", $"[bold]{plan.Cost.UsdPerMillionEvents.ToString("N4", c)}[/]");
        cost.AddRow("  ledger-comparable", "compute + executions + RU (serverless price) + ingress, as ./th bench prices", plan.Cost.LedgerEquivalentUsdPerMillionEvents.ToString("N4", c));
        AnsiConsole.Write(cost);

        var limits = new Table().Title("Limits at peak (least headroom first)").AddColumn("Limit").AddColumn("Kind").AddColumn(new TableColumn("Demand").RightAligned())
            .AddColumn(new TableColumn("Limit").RightAligned()).AddColumn(new TableColumn("Used").RightAligned());
        foreach (var limit in plan.Limits.OrderByDescending(l => l.Utilization))
        {
            var used = limit.Utilization.ToString("P0", c);
            limits.AddRow(Markup.Escape(limit.Name), limit.Kind.ToString(), Number(limit.Demand, limit.Unit), Number(limit.Limit, limit.Unit),
                limit.Exceeded ? $"[red]{used}[/]" : limit.Utilization > 0.8 ? $"[yellow]{used}[/]" : used);
        }
        AnsiConsole.Write(limits);
        AnsiConsole.MarkupLine("[grey]Sources of every limit: --json (limits[[]].source) and infra/TreasureHunt.Capacity/AzureLimits.cs.[/]");
        var binding = plan.BindingLimit;
        var service = plan.BindingServiceLimit;
        AnsiConsole.MarkupLineInterpolated($"Binds first: [bold]{binding.Name}[/] ({binding.Kind}) at {binding.Utilization:P0} of its limit at peak, headroom ×{binding.Headroom:N2}.");
        AnsiConsole.MarkupLineInterpolated($"Binds first among Azure service limits: [bold]{service.Name}[/] at {service.Utilization:P0}, headroom ×{service.Headroom:N2}.");
        var design = plan.BindingDesignLimit;
        AnsiConsole.MarkupLineInterpolated($"Binds first among the rollup design limits: [bold]{design.Name}[/] at {design.Utilization:P0}, headroom ×{design.Headroom:N2}.");
        var exceeded = plan.Exceeded.Count();
        if (exceeded > 0) AnsiConsole.MarkupLineInterpolated($"[red]{exceeded} limit(s) exceeded at peak[/] (Design: the rollup design limits; Service: Azure's documented limits and targets).");
    }

    /// <summary>The flush trade-off: cross-partition freshness bounds vs signals per event and entity operations, per
    /// Rollups:FlushMaxAgeSeconds, sustained and at peak (the configured value in bold).</summary>
    private static Table FreshnessTable(CapacityPlan plan)
    {
        var table = new Table().Title("Rollup freshness vs entity load per Rollups:FlushMaxAgeSeconds (bounds, s, before signal delivery and store round trips; sustained / peak)")
            .AddColumn("max age").AddColumn(new TableColumn("totals").RightAligned()).AddColumn(new TableColumn("item stats, leaderboards").RightAligned())
            .AddColumn(new TableColumn("final after the stream stops").RightAligned()).AddColumn(new TableColumn("signals / event").RightAligned())
            .AddColumn(new TableColumn("globaltotals ops/s").RightAligned()).AddColumn(new TableColumn("itemshard ops/s each").RightAligned());
        for (var i = 0; i < plan.FreshnessSustained.Count; i++)
        {
            var (s, p) = (plan.FreshnessSustained[i], plan.FreshnessPeak[i]);
            var chosen = s.FlushMaxAgeSeconds == plan.Inputs.RollupFlushMaxAgeSeconds;
            string Cell(string text) => chosen ? $"[bold]{Markup.Escape(text)}[/]" : Markup.Escape(text);
            string Signals(double v) => v > AzureLimits.EntitySignalsPerEvent ? $"{v:F4} (over {AzureLimits.EntitySignalsPerEvent})" : $"{v:F4}";
            table.AddRow(Cell($"{s.FlushMaxAgeSeconds:0.##} s{(chosen ? " (configured)" : "")}"), Cell($"{s.TotalsSeconds:N1} / {p.TotalsSeconds:N1}"),
                Cell($"{s.ItemsSeconds:N1} / {p.ItemsSeconds:N1}"), Cell($"{s.FinalAfterStopSeconds:N1}"),
                Cell($"{Signals(s.SignalsPerEvent)} / {Signals(p.SignalsPerEvent)}"), Cell($"{s.GlobalTotalsOpsPerSecond:N1} / {p.GlobalTotalsOpsPerSecond:N1}"),
                Cell($"{s.ItemShardOpsPerSecond:N1} / {p.ItemShardOpsPerSecond:N1}"));
        }
        return table.Caption($"limits: ≤ {AzureLimits.EntitySignalsPerEvent} signals per event, ≤ {AzureLimits.EntityOpsPerSecondPerInstance:N0} operations/s per entity ; target ≤ 5 s under load, ≤ 15 s after the stream stops");
    }

    private static string Number(double value, string unit) => unit == "bytes"
        ? Bytes(value)
        : $"{value.ToString(value < 10 && value != Math.Floor(value) ? "N3" : "N0", CultureInfo.InvariantCulture)} {unit}";

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1e9 => $"{bytes / 1e9:N1} GB",
        >= 1e6 => $"{bytes / 1e6:N1} MB",
        >= 1e3 => $"{bytes / 1e3:N1} KB",
        _ => $"{bytes:N0} B",
    };
}
