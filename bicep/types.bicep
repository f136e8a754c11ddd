// Parameter types shared by main.bicep and its modules. Each Event Hubs tier and each Cosmos DB capacity mode is
// its own object type with its own bounds, selected by a discriminator: an impossible combination (40 partitions on
// Standard, 3 processing units, autoscale below 1,000 RU/s, Standard retention beyond 7 days...) fails at
// `bicep build-params`, before anything reaches Azure. Limits: learn.microsoft.com/azure/event-hubs/event-hubs-quotas,
// .../cosmos-db/provision-throughput-autoscale. `./th plan --out FILE.bicepparam` writes these objects.

@export()
@sealed()
@description('Event Hubs Standard: throughput units (1 TU = 1,000 events/s or 1 MB/s ingress), at most 32 partitions, 7 days retention.')
type eventHubsStandard = {
  tier: 'Standard'

  @description('Partitions of the hub (fixed once the hub exists): the upper bound of the aggregator\'s parallelism.')
  @minValue(1)
  @maxValue(32)
  partitionCount: int

  @description('Throughput units, billed per hour.')
  @minValue(1)
  @maxValue(40)
  throughputUnits: int

  @description('Auto-inflate ceiling in throughput units (0 = off).')
  @minValue(0)
  @maxValue(40)
  maximumThroughputUnits: int

  @minValue(1)
  @maxValue(168)
  retentionHours: int
}

@export()
@sealed()
@description('Event Hubs Premium: processing units (about 5-10 MB/s ingress each), up to 100 partitions, 90 days retention.')
type eventHubsPremium = {
  tier: 'Premium'

  @minValue(1)
  @maxValue(100)
  partitionCount: int

  @description('Processing units, billed per hour.')
  processingUnits: 1 | 2 | 4 | 6 | 8 | 10 | 12 | 16

  @minValue(1)
  @maxValue(2160)
  retentionHours: int
}

@export()
@sealed()
@description('Event Hubs Dedicated: a single-tenant cluster of capacity units, up to 1,024 partitions per hub, 90 days retention.')
type eventHubsDedicated = {
  tier: 'Dedicated'

  @minValue(1)
  @maxValue(1024)
  partitionCount: int

  @description('Capacity units of the cluster, billed per hour (4-hour minimum).')
  @minValue(1)
  @maxValue(10)
  capacityUnits: int

  @minValue(1)
  @maxValue(2160)
  retentionHours: int
}

@export()
@discriminator('tier')
type eventHubsTierSettings = eventHubsStandard | eventHubsPremium | eventHubsDedicated

@export()
@sealed()
@description('Cosmos DB serverless: billed per RU consumed; each container offers at most 5,000 RU/s.')
type cosmosServerless = {
  mode: 'Serverless'
}

@export()
@sealed()
@description('Cosmos DB provisioned autoscale throughput per container: the maximum RU/s (1,000 or more, in steps of 1,000); the container scales between 10 % of it and it.')
type cosmosAutoscale = {
  mode: 'Autoscale'

  @minValue(1000)
  @maxValue(1000000)
  usersMaxThroughput: int

  @minValue(1000)
  @maxValue(1000000)
  progressMaxThroughput: int
}

@export()
@discriminator('mode')
type cosmosCapacitySettings = cosmosServerless | cosmosAutoscale
