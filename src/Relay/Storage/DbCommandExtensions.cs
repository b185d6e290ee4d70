using System.Data;
using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>Parameters on any ADO.NET command: the SQL both providers share names them <c>@name</c>.</summary>
internal static class DbCommandExtensions
{
    /// <summary>Adds <paramref name="name"/> with <paramref name="value"/> (null as DBNull).</summary>
    public static DbParameter Add(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Adds <paramref name="name"/> of <paramref name="type"/>, its value set later (a statement run many times).</summary>
    public static DbParameter Add(this DbCommand command, string name, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>A text column that may be NULL.</summary>
    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
