// Placeholder until the probe lands (issue 4).
Console.WriteLine("SmarthostLab probe");
