using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// The per-user step every path shares — the live batch processor, the shadow versions it keeps current and the
/// back-fill: apply one partition's events of one user to its document (exactly-once through the document's
/// delivery state), and say whether anything changed (nothing to write otherwise).
/// </summary>
internal static class UserDocumentApply
{
    public static bool Apply(UserDocument document, IReadOnlyList<SequencedEvent> events, string partitionId, CompiledDefinitions definitions,
        DeliveryRules rules, EventOutcome[] slots, out long capsReached)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(slots);
        capsReached = document.Apply(events, partitionId, definitions, rules, slots);
        return slots.Any(o => o is EventOutcome.Applied or EventOutcome.AppliedLate);
    }
}
