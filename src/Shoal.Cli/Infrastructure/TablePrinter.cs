using Spectre.Console;

namespace Shoal.Cli.Infrastructure;

/// <summary>Prints rows under headers: a Spectre.Console table in a terminal, aligned plain columns otherwise.</summary>
internal static class TablePrinter
{
    public static void Print(CliOutput output, string title, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        if (output.IsInteractive)
        {
            var table = new Table().Title(Markup.Escape(title));
            foreach (var header in headers)
            {
                table.AddColumn(Markup.Escape(header));
            }

            foreach (var row in rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
            return;
        }

        output.Line(title);
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Prepend(h.Length).Max()).ToArray();
        output.Line("  " + string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
        {
            output.Line("  " + string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        }
    }
}
