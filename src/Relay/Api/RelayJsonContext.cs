using System.Text.Json;
using System.Text.Json.Serialization;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Api;

/// <summary>Source-generated JSON (camelCase, web defaults) for the API contracts and the stored verdict.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(MessageListResponse))]
[JsonSerializable(typeof(RefusalListResponse))]
[JsonSerializable(typeof(AccountListResponse))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(OutboundServerRequest))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(Verdict))]
[JsonSerializable(typeof(QueueResponse))]
[JsonSerializable(typeof(ReleaseRequest))]
[JsonSerializable(typeof(QueueActionResponse))]
public sealed partial class RelayJsonContext : JsonSerializerContext;
