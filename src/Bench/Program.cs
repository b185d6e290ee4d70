// Placeholder until the bench lands (issue 5).
Console.WriteLine("SmarthostLab bench");
