namespace TreasureHunt.Tools.Cli;

/// <summary>
/// Input a command was given that turns out bad only once it is read (a row of a label file, a feature the definitions
/// do not declare): reported like a bad argument — one line, exit code <see cref="ThApp.BadArgumentsExitCode"/>.
/// </summary>
internal sealed class BadInputException(string message) : Exception(message);
