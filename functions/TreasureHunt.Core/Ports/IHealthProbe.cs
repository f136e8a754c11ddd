namespace TreasureHunt.Core.Ports;

/// <summary>A store that can say whether it answers (for <c>GET /api/health</c>).</summary>
public interface IHealthProbe
{
    string Name { get; }

    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}
