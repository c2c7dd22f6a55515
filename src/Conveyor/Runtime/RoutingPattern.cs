namespace Conveyor.Runtime;

/// <summary>Matches routing keys against subscription patterns, where <c>*</c> stands for any run of characters.</summary>
internal static class RoutingPattern
{
    public static bool Matches(string pattern, string key)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return string.Equals(pattern, key, StringComparison.Ordinal);
        }

        return Match(pattern.AsSpan(), key.AsSpan());

        static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> key)
        {
            while (!pattern.IsEmpty)
            {
                if (pattern[0] == '*')
                {
                    pattern = pattern[1..];
                    if (pattern.IsEmpty)
                    {
                        return true;
                    }

                    for (var i = 0; i <= key.Length; i++)
                    {
                        if (Match(pattern, key[i..]))
                        {
                            return true;
                        }
                    }

                    return false;
                }

                if (key.IsEmpty || pattern[0] != key[0])
                {
                    return false;
                }

                pattern = pattern[1..];
                key = key[1..];
            }

            return key.IsEmpty;
        }
    }
}
