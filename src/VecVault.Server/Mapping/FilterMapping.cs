using VecVault.Core.Errors;
using VecVault.Core.Filters;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Mapping;

/// <summary>Filters from the wire, checked for well-formedness: every fault names its field ("filter.must[0].field.key").</summary>
public static class FilterMapping
{
    /// <summary>Longest keyword accepted in a match.</summary>
    public const int MaxKeywordLength = 1024;

    /// <summary>Most values in an any/except list or ids in a has_id.</summary>
    public const int MaxValues = 10_000;

    /// <summary>Reads a filter; null when none is given.</summary>
    public static Filter? ToCore(Proto.Filter? filter, string field = "filter")
    {
        if (filter is null)
        {
            return null;
        }

        var conditions = 0;
        return Read(filter, field, 1, ref conditions);
    }

    private static Filter Read(Proto.Filter filter, string field, int depth, ref int conditions)
    {
        if (depth > Filter.MaxDepth)
        {
            throw VecVaultException.Invalid(field, $"nests filters deeper than {Filter.MaxDepth}");
        }

        var must = ReadAll(filter.Must, $"{field}.must", depth, ref conditions);
        var should = ReadAll(filter.Should, $"{field}.should", depth, ref conditions);
        var mustNot = ReadAll(filter.MustNot, $"{field}.must_not", depth, ref conditions);
        if (filter.MinShould > should.Count)
        {
            throw VecVaultException.Invalid($"{field}.min_should", $"is {filter.MinShould}, more than the {should.Count} should conditions");
        }

        return new Filter(must, should, mustNot, (int)filter.MinShould);
    }

    private static List<Condition> ReadAll(IReadOnlyList<Proto.Condition> conditions, string field, int depth, ref int count)
    {
        var result = new List<Condition>(conditions.Count);
        for (var i = 0; i < conditions.Count; i++)
        {
            if (++count > Filter.MaxConditions)
            {
                throw VecVaultException.Invalid(field, $"the filter holds more than {Filter.MaxConditions} conditions");
            }

            result.Add(Read(conditions[i], $"{field}[{i}]", depth, ref count));
        }

        return result;
    }

    private static Condition Read(Proto.Condition condition, string field, int depth, ref int count) => condition.ConditionCase switch
    {
        Proto.Condition.ConditionOneofCase.Field => Read(condition.Field, $"{field}.field"),
        Proto.Condition.ConditionOneofCase.HasId => ReadHasId(condition.HasId, $"{field}.has_id"),
        Proto.Condition.ConditionOneofCase.IsEmpty => new IsEmptyCondition(Key(condition.IsEmpty.Key, $"{field}.is_empty.key")),
        Proto.Condition.ConditionOneofCase.IsNull => new IsNullCondition(Key(condition.IsNull.Key, $"{field}.is_null.key")),
        Proto.Condition.ConditionOneofCase.Filter => new NestedCondition(Read(condition.Filter, $"{field}.filter", depth + 1, ref count)),
        _ => throw VecVaultException.Invalid(field, "must set one of field, has_id, is_empty, is_null or filter"),
    };

    private static Condition Read(Proto.FieldCondition condition, string field)
    {
        var key = Key(condition.Key, $"{field}.key");
        return condition.ConditionCase switch
        {
            Proto.FieldCondition.ConditionOneofCase.Match => new MatchCondition(key, Read(condition.Match, $"{field}.match")),
            Proto.FieldCondition.ConditionOneofCase.Range => Read(key, condition.Range, $"{field}.range"),
            _ => throw VecVaultException.Invalid(field, "must set match or range"),
        };
    }

    private static MatchValue Read(Proto.Match match, string field) => match.MatchValueCase switch
    {
        Proto.Match.MatchValueOneofCase.Keyword => new MatchValue(MatchKind.Keyword, Keyword: Keyword(match.Keyword, $"{field}.keyword")),
        Proto.Match.MatchValueOneofCase.Integer => new MatchValue(MatchKind.Integer, Integer: match.Integer),
        Proto.Match.MatchValueOneofCase.Boolean => new MatchValue(MatchKind.Boolean, Boolean: match.Boolean),
        Proto.Match.MatchValueOneofCase.AnyKeyword => new MatchValue(MatchKind.AnyKeyword, Keywords: Keywords(match.AnyKeyword, $"{field}.any_keyword.values")),
        Proto.Match.MatchValueOneofCase.ExceptKeyword => new MatchValue(MatchKind.ExceptKeyword, Keywords: Keywords(match.ExceptKeyword, $"{field}.except_keyword.values")),
        Proto.Match.MatchValueOneofCase.AnyInteger => new MatchValue(MatchKind.AnyInteger, Integers: Integers(match.AnyInteger, $"{field}.any_integer.values")),
        Proto.Match.MatchValueOneofCase.ExceptInteger => new MatchValue(MatchKind.ExceptInteger, Integers: Integers(match.ExceptInteger, $"{field}.except_integer.values")),
        _ => throw VecVaultException.Invalid(field, "must set one of keyword, integer, boolean, any_keyword, any_integer, except_keyword or except_integer"),
    };

    private static RangeCondition Read(string key, Proto.Range range, string field)
    {
        double? Bound(bool has, double value, string name) => !has ? null
            : double.IsFinite(value) ? value : throw VecVaultException.Invalid($"{field}.{name}", "must be a finite number");
        var result = new RangeCondition(key, Bound(range.HasLt, range.Lt, "lt"), Bound(range.HasGt, range.Gt, "gt"), Bound(range.HasLte, range.Lte, "lte"), Bound(range.HasGte, range.Gte, "gte"));
        return result is { Lt: null, Gt: null, Lte: null, Gte: null }
            ? throw VecVaultException.Invalid(field, "must set at least one of lt, gt, lte, gte")
            : result;
    }

    private static HasIdCondition ReadHasId(Proto.HasIdCondition hasId, string field)
    {
        if (hasId.Ids.Count is 0 or > MaxValues)
        {
            throw VecVaultException.Invalid($"{field}.ids", $"must hold 1 to {MaxValues} ids");
        }

        return new HasIdCondition(hasId.Ids.Select((id, i) => PointIdMapping.ToCore(id, $"{field}.ids[{i}]")).ToHashSet());
    }

    private static string Key(string key, string field) =>
        key.Length is 0 or > Core.Collections.PayloadIndexSpec.MaxFieldLength || key.Split('.').Any(part => part.Length == 0) || key.Any(char.IsControl)
            ? throw VecVaultException.Invalid(field, $"must be a dotted path of 1-{Core.Collections.PayloadIndexSpec.MaxFieldLength} printable characters")
            : key;

    private static string Keyword(string keyword, string field) =>
        keyword.Length > MaxKeywordLength ? throw VecVaultException.Invalid(field, $"must be at most {MaxKeywordLength} characters") : keyword;

    private static HashSet<string> Keywords(Proto.Keywords keywords, string field) =>
        keywords.Values.Count is 0 or > MaxValues ? throw VecVaultException.Invalid(field, $"must hold 1 to {MaxValues} values")
            : [.. keywords.Values.Select((k, i) => Keyword(k, $"{field}[{i}]"))];

    private static HashSet<long> Integers(Proto.Integers integers, string field) =>
        integers.Values.Count is 0 or > MaxValues ? throw VecVaultException.Invalid(field, $"must hold 1 to {MaxValues} values") : [.. integers.Values];
}
