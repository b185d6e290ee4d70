namespace SmarthostLab.Probe.Tests;

/// <summary>Paths of test inputs copied next to the test assembly.</summary>
internal static class TestPaths
{
    /// <summary>A file under data/.</summary>
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>A file under samples/connectors/.</summary>
    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", "connectors", name);

    /// <summary>A loopback port nothing listens on (bound, then released), for "unreachable" tests.</summary>
    public static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
