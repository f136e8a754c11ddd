using TreasureHunt.Local.Cli;

return await ThApp.Create().RunAsync(args);
