// Placeholder until the relay host lands (issue 2).
Console.WriteLine("SmarthostLab relay");
