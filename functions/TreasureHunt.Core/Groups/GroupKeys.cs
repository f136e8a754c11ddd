using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Groups;

/// <summary>
/// Key values of a keyed group as text, and the injective, URL-safe document id they map to (group, <c>~</c>, escaped
/// values; hashed past <see cref="MaxReadableIdLength"/>). Encoding rules: docs/internals.md#group-keys.
/// </summary>
public static class GroupKeys
{
    public const int MaxReadableIdLength = 255;

    /// <summary>The key value an event carries for <paramref name="field"/>, or null when it carries none.</summary>
    public static string? ValueOf(EventFieldAccessor field, TreasureEvent e)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.IsNumeric
            ? field.NumberOf(e) is { } number ? NumberText(number) : null
            : field.TextOf(e);
    }

    /// <summary>The key value of a number: its shortest round-trip text.</summary>
    public static string NumberText(double number) => number.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Canonical key value of a query parameter for <paramref name="field"/>; null with <paramref name="error"/> when it is not one.</summary>
    public static string? Parse(EventFieldAccessor field, string text, out string error)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        error = "";
        if (field.IsNumeric)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)) return NumberText(number);
            error = $"key field '{field.Name}' is a number, got '{text}'";
            return null;
        }
        if (field.Attribute?.Type == AttributeType.Boolean)
        {
            if (text is "true" or "false") return text;
            error = $"key field '{field.Name}' is a boolean (true or false), got '{text}'";
            return null;
        }
        if (text.Length == 0)
        {
            error = $"key field '{field.Name}' may not be empty";
            return null;
        }
        return text;
    }

    /// <summary>The document id of the key (<paramref name="values"/> in the group's key order).</summary>
    public static string DocumentId(CompiledGroup group, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.IsItem ? values[0] : DocumentId(group.Name, values);
    }

    /// <summary>The document id of a key of a group kept in its own documents (see the class summary).</summary>
    public static string DocumentId(string groupName, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = new StringBuilder(groupName.Length + 16 * values.Count);
        builder.Append(groupName).Append('~');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0) builder.Append('~');
            Escape(values[i], builder);
        }
        if (builder.Length <= MaxReadableIdLength) return builder.ToString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
        return groupName + "!" + Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static void Escape(string value, StringBuilder into)
    {
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '-') into.Append(c);
            else into.Append('_').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The <paramref name="arity"/> key values of a readable document id (<see cref="DocumentId(string, IReadOnlyList{string})"/>), or null for a hashed one.</summary>
    internal static string[]? ValuesOf(string documentId, int arity)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        if (documentId.Contains('!', StringComparison.Ordinal)) return null;
        if (arity == 0) return [];
        var parts = documentId.Split('~');
        var values = new string[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            var builder = new StringBuilder(part.Length);
            for (var j = 0; j < part.Length; j++)
            {
                if (part[j] == '_')
                {
                    builder.Append((char)int.Parse(part.AsSpan(j + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    j += 4;
                }
                else builder.Append(part[j]);
            }
            values[i - 1] = builder.ToString();
        }
        return values;
    }
}
