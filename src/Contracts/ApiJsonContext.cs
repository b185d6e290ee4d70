using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmarthostLab.Contracts;

/// <summary>
/// Source-generated JSON (camelCase, web defaults) for the API's wire types: what the relay writes, stores (the verdict)
/// and describes in its OpenAPI document, and what the probe and SmarthostLab.Testing read. Use it through
/// <see cref="ApiJson.Context"/>, which carries the API's options.
/// </summary>
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
public sealed partial class ApiJsonContext : JsonSerializerContext;
