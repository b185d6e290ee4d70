using System.Text;
using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>The read side: each query on its own connection (never waits for the writer).</summary>
public abstract partial class MessageStore
{
    private protected const string MessageColumns = """
        id, account, client_ip, helo, tls_protocol, tls_cipher, mail_from, mail_from_parameters, recipients, size, received_at,
        subject, message_id, from_header, quarantined, verdict, spf, dkim, dmarc, action, recipient_parameters, dsn_of, seq,
        authenticated_user
        """;

    /// <inheritdoc />
    public async Task<StoredMessage?> GetMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {MessageColumns} FROM messages WHERE id = @id";
        command.Add("@id", id);
        StoredMessage message;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            message = ReadMessage(reader);
        }
        // Closed first: PostgreSQL runs one command at a time on a connection.
        return (await WithDeliveriesAsync(connection, [message], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc />
    public async Task<MessagePage> QueryMessagesAsync(MessageQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = Where(command, query, among: null);
        command.CommandText = $"SELECT COUNT(*) FROM messages {where}";
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        command.CommandText = PageSql(command, query, where);
        var messages = new List<StoredMessage>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) messages.Add(ReadMessage(reader));
        }
        return new MessagePage(await WithDeliveriesAsync(connection, messages, cancellationToken).ConfigureAwait(false), (int)total);
    }

    /// <summary>
    /// The page's statement: newest first by row key; with <see cref="MessageQuery.Before"/> it starts below that
    /// message's row (a search on the key, as fast at the 100,000th message as at the first), else past
    /// <see cref="MessageQuery.Offset"/> rows.
    /// </summary>
    private protected static string PageSql(DbCommand command, MessageQuery query, string where)
    {
        var cursor = "";
        if (query.Before is { Length: > 0 } before)
        {
            cursor = " AND seq < (SELECT seq FROM messages WHERE id = @before)";
            command.Add("@before", before);
        }
        command.Add("@limit", query.Limit);
        command.Add("@offset", query.Offset);
        return $"SELECT {MessageColumns} FROM messages {where}{cursor} ORDER BY seq DESC LIMIT @limit OFFSET @offset";
    }

    /// <inheritdoc />
    public async Task<StoredMessage?> FindMessageAsync(MessageQuery query, IReadOnlyCollection<string>? among = null, CancellationToken cancellationToken = default)
    {
        if (among is { Count: 0 }) return null;
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = FindCommand(connection, query, among);
        StoredMessage? message = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) message = ReadMessage(reader);
        }
        return message is null ? null : (await WithDeliveriesAsync(connection, [message], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>The newest row matching <paramref name="query"/>, among <paramref name="among"/> when given; no count.</summary>
    private protected DbCommand FindCommand(DbConnection connection, MessageQuery query, IReadOnlyCollection<string>? among)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT {MessageColumns} FROM messages {Where(command, query, among)} ORDER BY seq DESC LIMIT 1";
        return command;
    }

    /// <summary>
    /// The WHERE clause of <paramref name="query"/>'s filters (paging aside), their parameters added to
    /// <paramref name="command"/>; only the messages with an id in <paramref name="among"/> when given.
    /// </summary>
    private protected string Where(DbCommand command, MessageQuery query, IReadOnlyCollection<string>? among)
    {
        var where = new StringBuilder("WHERE 1=1");
        void Matching(string? value, string name, params string[] columns)
        {
            if (string.IsNullOrEmpty(value)) return;
            where.Append(" AND (").AppendJoin(" OR ", columns.Select(c => $"{c} {LikeOperator} {name} ESCAPE '\\'")).Append(')');
            command.Add(name, "%" + EscapeLike(value) + "%");
        }
        void Equal(string? value, string name, string column)
        {
            if (string.IsNullOrEmpty(value)) return;
            where.Append(" AND ").Append(EqualsIgnoringCase(column, name));
            command.Add(name, value);
        }
        Matching(query.From, "@from", "mail_from", "from_header");
        Matching(query.To, "@to", "recipients");
        Matching(query.Subject, "@subject", "subject");
        Matching(query.Token, "@token", "subject", "message_id", "headers");
        // Without given rows, the token index narrows a token search to its candidate rows; LIKE above decides.
        if (query.Token is { Length: > 0 } token && among is null) NarrowToToken(command, where, token);
        Equal(query.Account, "@account", "account");
        Equal(query.Dmarc, "@dmarc", "dmarc");
        Equal(query.Spf, "@spf", "spf");
        if (!string.IsNullOrEmpty(query.Dkim))
        {
            // The column lists every signature's result ("pass fail"): match one word of it.
            where.Append($" AND (' ' || dkim || ' ') {LikeOperator} @dkim ESCAPE '\\'");
            command.Add("@dkim", "% " + EscapeLike(query.Dkim.Trim()) + " %");
        }
        Equal(query.Action, "@action", "action");
        if (query.Since is { } since)
        {
            where.Append(" AND received_at >= @since");
            command.Add("@since", since.ToUnixTimeMilliseconds());
        }
        if (query.Delivery is { Length: > 0 } delivery)
        {
            if (delivery == DeliveryStates.Stored) where.Append(" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = messages.seq)");
            else
            {
                where.Append(" AND EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = messages.seq AND d.state = @delivery)");
                command.Add("@delivery", delivery);
            }
        }
        if (query.Quarantined is { } quarantined)
        {
            where.Append(" AND quarantined = @q");
            command.Add("@q", quarantined ? 1 : 0);
        }
        if (among is not null)
        {
            where.Append(" AND id IN (").AppendJoin(", ", among.Select((_, i) => $"@id{i}")).Append(')');
            var i = 0;
            foreach (var id in among) command.Add($"@id{i++}", id);
        }
        return where.ToString();
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetRawAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.raw FROM messages m JOIN message_content c ON c.seq = m.seq WHERE m.id = @id";
        command.Add("@id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <inheritdoc />
    public async Task<string?> GetTranscriptAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.transcript FROM messages m JOIN message_content c ON c.seq = m.seq WHERE m.id = @id";
        command.Add("@id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc />
    public async Task<RefusalPage> QueryRefusalsAsync(RefusalQuery query, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = new StringBuilder("WHERE 1=1");
        if (!string.IsNullOrEmpty(query.Ip))
        {
            where.Append(" AND client_ip = @ip");
            command.Add("@ip", query.Ip);
        }
        if (query.Since is { } since)
        {
            where.Append(" AND time >= @since");
            command.Add("@since", since.ToUnixTimeMilliseconds());
        }
        command.CommandText = $"SELECT COUNT(*) FROM refusals {where}";
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        command.CommandText = $"SELECT id, time, client_ip, helo, stage, reply, reason, account, mail_from, recipient FROM refusals {where} ORDER BY id DESC LIMIT @limit";
        command.Add("@limit", query.Limit);
        var refusals = new List<RefusalRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) refusals.Add(ReadRefusal(reader));
        }
        return new RefusalPage(refusals, (int)total);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountOverride>> GetAccountOverridesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT account, address, state FROM account_overrides ORDER BY changed_at, account, address";
        var result = new List<AccountOverride>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Add(new AccountOverride(reader.GetString(0), reader.GetString(1), reader.GetString(2) == "added"));
        return result;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GreylistEntry>> GetGreylistAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT network, sender, recipient, first_seen, last_seen, passed FROM greylist";
        var result = new List<GreylistEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new GreylistEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5) != 0));
        }
        return result;
    }

    private protected async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        if (!_open) throw new InvalidOperationException("The store is not open.");
        var connection = NewReadConnection();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A refusals row: id, time, client_ip, helo, stage, reply, reason, account, mail_from, recipient.</summary>
    private protected static RefusalRecord ReadRefusal(DbDataReader reader) => new(
        reader.GetInt64(0),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
        reader.GetString(2),
        reader.NullableString(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        reader.NullableString(7),
        reader.NullableString(8),
        reader.NullableString(9));

    private protected static StoredMessage ReadMessage(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Account = reader.NullableString(1),
        ClientIp = reader.GetString(2),
        Helo = reader.NullableString(3),
        TlsProtocol = reader.NullableString(4),
        TlsCipher = reader.NullableString(5),
        MailFrom = reader.GetString(6),
        MailFromParameters = reader.GetString(7),
        Recipients = reader.GetString(8) is { Length: > 0 } recipients ? recipients.Split('\n') : [],
        Size = reader.GetInt64(9),
        ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
        Subject = reader.NullableString(11),
        MessageId = reader.NullableString(12),
        From = reader.NullableString(13),
        Quarantined = reader.GetInt64(14) != 0,
        VerdictJson = reader.NullableString(15),
        Spf = reader.NullableString(16),
        Dkim = reader.NullableString(17),
        Dmarc = reader.NullableString(18),
        Action = reader.NullableString(19),
        RecipientParameters = reader.NullableString(20) is { } parameters ? [.. parameters.Split('\n').Select(p => p.Length == 0 ? null : p)] : [],
        DsnOf = reader.NullableString(21),
        Seq = reader.GetInt64(22),
        AuthenticatedUser = reader.NullableString(23),
    };

    /// <summary>Escapes LIKE's wildcards and the escape character itself (the queries say <c>ESCAPE '\'</c>).</summary>
    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
