using TreasureHunt.Tools.Cli;

return await ThApp.Create().RunAsync(args);
