using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests;

/// <summary>Every test class that talks to the emulators joins this collection; its fixture starts them when needed.</summary>
[CollectionDefinition(EmulatorFixture.CollectionName)]
public sealed class EmulatorsCollection : ICollectionFixture<EmulatorFixture>;
