namespace TreasureHunt.Pipeline.Export;

/// <summary>
/// Neutralizes a CSV text cell against formula injection (OWASP "CSV Injection"): a cell starting with <c>=</c>,
/// <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return is what a spreadsheet evaluates as a formula, so it is
/// prefixed with a single quote. Only text cells go through it: numbers and times are written as they are, so a
/// negative number stays a number.
/// </summary>
internal static class CsvCellText
{
    public static string Neutralize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
    }
}
