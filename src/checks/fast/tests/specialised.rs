//! The specialised nodes (`fuse`) and the comprehension ranges iterated in parts
//! (`fold`), on tiny expressions that reach each of their cases: every answer checked
//! against what cel itself answers on the same bindings.

use super::super::Fast;
use super::super::compile::MAX_LOCALS;
use super::check;

#[test]
fn specialised_nodes_follow_cel() {
    check(&[
        // A scalar constant on either side of `==` / `!=`.
        (
            "x.name == 'web' && 'web' == x.name && x.name != 'x'",
            Some(true),
        ),
        (
            "x.?name == 'web' || 'web' == x.?name || x.list == 1",
            Some(false),
        ),
        (
            "x.num == 3.0 && 3u == x.num && x.big != 1 && x.ratio == 0.5",
            Some(true),
        ),
        (
            "x.flag == true && true == x.flag && x.?flag != true",
            Some(true),
        ),
        (
            "x.nil == null && null != x.num && x.labels != 'a' && x.empty != null",
            Some(true),
        ),
        ("x.missing == 'a'", None),
        ("x.missing != 'a' && false", Some(false)),
        // `in` a constant list of strings.
        (
            "x.name in ['web', 'x'] && !(x.name in ['x']) && !(x.name in [])",
            Some(true),
        ),
        (
            "x.num in ['3'] || x.?name in ['web'] || x.list in ['a'] || x.nil in ['a']",
            Some(false),
        ),
        ("x.words[0] in ['x'] && !(x.labels in ['a'])", Some(true)),
        ("x.missing in ['a']", None),
        // startsWith / endsWith of `head + 'constant'`.
        (
            "'web/x'.startsWith(x.name + '/') && !x.name.startsWith(x.name + '/')",
            Some(true),
        ),
        (
            "x.name.startsWith(x.name + '') && x.name.endsWith('e' + 'b')",
            Some(true),
        ),
        (
            "x.uni.endsWith('é' + 'llo') && !x.uni.endsWith('h' + 'llo')",
            Some(true),
        ),
        (
            "x.uni.startsWith('h' + 'é') && !x.uni.startsWith('hé' + 'é')",
            Some(true),
        ),
        (
            "x.name.contains('e' + 'b') && !x.name.contains(x.name + 'b')",
            Some(true),
        ),
        ("x.name.startsWith(x.num + '/')", None),
        ("x.num.startsWith(x.name + '/')", None),
        ("x.name.endsWith(x.missing + '/')", None),
        ("x.name.startsWith(x.?name + '/')", None),
        ("x.name.startsWith(x.num + '/') && false", Some(false)),
        ("x.list.endsWith(x.name + '/') && false", Some(false)),
        // `orValue` of a constant.
        (
            "x.?labels.orValue({}) == x.labels && x.?nope.orValue([]) == []",
            Some(true),
        ),
        (
            "x.?list[?9].orValue('z') == 'z' && x.?nil.orValue(1) == null",
            Some(true),
        ),
        ("x.labels.orValue({}) == {}", None),
    ]);
}

#[test]
fn ranges_iterated_in_parts_follow_cel() {
    check(&[
        // Iterating list literals and `+` chains without building them.
        (
            "([x.name] + x.words + x.list).exists(v, v == 2)",
            Some(true),
        ),
        ("([x.name] + x.labels).exists(v, v == 'b')", Some(true)),
        ("([x.name] + x.words).all(v, type(v) == string)", Some(true)),
        ("([x.name] + x.name).exists(v, true)", None),
        ("([x.name] + x.missing).exists(v, true)", None),
        ("([x.missing] + x.words).exists(v, v == 'x')", None),
        ("([] + x.words + 1).exists(v, true)", None),
        ("([1] + [2, x.num] + x.list).exists(v, v == 4)", Some(false)),
        ("[x.missing, 'a'].exists(v, v == 'a')", None),
        (
            "[x.name, x.num].exists(v, v == 3) && [x.?name].all(v, v != 'web')",
            Some(true),
        ),
        ("[1, x.name].all(v, v > 0)", None),
        ("[0, x.name].all(v, v > 0)", Some(false)),
        ("[x.num, x.name].exists(v, v > 0)", Some(true)),
        (
            "[1, 2, 3, 4, 5, 6, 7, 8, x.num].exists(v, v == 3)",
            Some(true),
        ),
        (
            "([x.name] + [1, 2, 3, 4, 5, 6, 7, 8]).exists(v, v == 8)",
            Some(true),
        ),
        (
            "([x.name] + x.words).size() == 3 && ([x.num] + [x.name])[1] == 'web'",
            Some(true),
        ),
        (
            "([x.name] + x.none).map(v, v + '!') == ['web!']",
            Some(true),
        ),
        (
            "([x.name] + x.empty + x.none).exists(v, false) || [].exists(v, true)",
            Some(false),
        ),
    ]);
}

#[test]
fn deep_nesting_is_left_to_cel() {
    let env = crate::checks::engine::env();
    let nested = |depth: usize| {
        (0..depth).fold("true".to_owned(), |body, i| {
            format!("[{i}].exists(v{i}, {body})")
        })
    };
    let compiles = |expr: &str| {
        let program = env.compile(expr).expect("compiles");
        Fast::compile(program.expression(), "x").is_some()
    };
    assert!(compiles(&nested(MAX_LOCALS)));
    assert!(!compiles(&nested(MAX_LOCALS + 1)));
    check(&[(nested(MAX_LOCALS).as_str(), Some(true))]);
}

#[test]
fn scans_and_optional_defaults_follow_cel() {
    check(&[
        // `exists(v, v in [...])`, and `||` chains of string tests merged into one.
        (
            "x.words.exists(v, v in ['y', 'z']) && x.labels.exists(k, k in ['b'])",
            Some(true),
        ),
        (
            "x.list.exists(v, v in ['1']) || x.nested.exists(v, v in ['a'])",
            Some(false),
        ),
        (
            "x.exists(k, k in ['extra']) && !x.none.exists(v, v in ['a'])",
            Some(true),
        ),
        (
            "x.words.exists(v, v in []) || x.empty.exists(v, v in ['a'])",
            Some(false),
        ),
        ("x.name.exists(v, v in ['a'])", None),
        ("x.missing.exists(v, v in ['a'])", None),
        ("x.?words.exists(v, v in ['x'])", None),
        ("x.name.exists(v, v in ['a']) && false", Some(false)),
        (
            "x.words.exists(v, v == 'x' || v == 'q') && x.list.exists(v, v == 'x' || v == 2)",
            Some(true),
        ),
        (
            "x.words.exists(v, v == 'q' || v in ['y']) && x.words.exists(v, v != 'x' || v == 'q')",
            Some(true),
        ),
        (
            "x.words.exists(v, x.words.exists(w, v == 'q' || w == 'y'))",
            Some(true),
        ),
        (
            "x.words.all(v, v in ['x', 'y'] || v == 'z') && [x.?name].exists(v, v == 'a' || v == 'web')",
            Some(false),
        ),
        (
            "x.list.exists(v, v == 'a' || v == 'b') || x.nested.exists(v, v == 'k' || v in ['v'])",
            Some(false),
        ),
        // `a.?f.orValue(c)`.
        (
            "x.?name.orValue('a') == 'web' && x.?missing.orValue('a') == 'a'",
            Some(true),
        ),
        (
            "x.name.?foo.orValue(1) == 1 && x.?nil.?foo.orValue(2) == 2",
            Some(true),
        ),
        (
            "x.?labels.?a.orValue('') == '1' && x.?extra.orValue(0) == 1",
            Some(true),
        ),
        (
            "x.list.?a.orValue(5) == 5 && x.?list.?a.orValue(5) == 5",
            Some(true),
        ),
        (
            "x.nested[0].?a.orValue(5) == 5 && x.num.?a.orValue(5) == 5",
            Some(true),
        ),
        ("[x.labels].exists(l, l.?b.orValue('') == '2')", Some(true)),
        (
            "x.words.map(w, {}).exists(m, m.?a.orValue(1) == 1)",
            Some(true),
        ),
        (
            "[x.labels][?0].?a.orValue('') == '1' && [x.labels][?1].?a.orValue('') == ''",
            Some(true),
        ),
        ("x.missing.?a.orValue(1) == 1", None),
        // `a[?k].orValue(c)`.
        (
            "x.labels[?'a'].orValue('') == '1' && x.labels[?1].orValue('z') == 'z'",
            Some(true),
        ),
        (
            "x.name[?0].orValue(1) == 1 && x.list[?1].orValue(0) == 2",
            Some(true),
        ),
        (
            "x.?nope[?x.missing].orValue(2) == 2 && x.?labels[?'b'].orValue('') == '2'",
            Some(true),
        ),
        (
            "[x.labels][?0][?'b'].orValue('') == '2' && x.nested[?1][?'k'].orValue('') == 'v'",
            Some(true),
        ),
        (
            "[x.labels].exists(l, ['q', 'a'].exists(k, l[?k].orValue('') == '1'))",
            Some(true),
        ),
        ("x.labels[?x.missing].orValue('') == ''", None),
        ("x.missing[?'a'].orValue('') == ''", None),
        ("x.missing.?a.orValue(1) == 1 && false", Some(false)),
    ]);
}

#[test]
fn memoized_parts_follow_cel() {
    check(&[
        // A failing part, memoized, still absorbed where cel absorbs it.
        ("x.list.exists(v, v == 2 || x.missing == 1)", Some(true)),
        ("x.list.exists(v, v == 3 || x.missing == 1)", None),
        ("x.list.all(v, x.missing == 1 && v > 0)", None),
        ("x.list.all(v, v > 1 && x.missing == 1)", Some(false)),
        (
            "x.none.exists(v, x.missing == 1) || x.none.all(v, x.name)",
            Some(true),
        ),
        (
            "x.list.exists(v, x.name.startsWith(x.name + '/') || v == 2)",
            Some(true),
        ),
        // Memos forgotten when an inner comprehension starts again with another outer value.
        (
            "x.words.exists(v, x.list.exists(w, v + '!' == 'y!' && w == 2))",
            Some(true),
        ),
        (
            "x.words.all(v, x.list.exists(w, v + '!' == 'x!' && w == 2))",
            Some(false),
        ),
        (
            "x.words.exists(v, x.list.exists(w, w == 2) && v == 'y')",
            Some(true),
        ),
        (
            "x.list.map(v, x.words.exists(w, w == 'y' && v == 2)).exists(b, b)",
            Some(true),
        ),
        (
            "x.list.map(v, x.words.exists(w, w == 'y' && v == 2)) == [false, true]",
            Some(true),
        ),
        (
            "x.words.exists(v, x.words.exists(w, x.list.exists(n, v == 'y' && w == 'x' && n == 2)))",
            Some(true),
        ),
        (
            "x.words.exists(v, x.words.exists(w, x.list.exists(n, v == 'x' && w == 'x' && n == 3)))",
            Some(false),
        ),
    ]);
}

/// The expressions above reach the specialised nodes they are meant to test.
#[test]
fn specialised_nodes_are_chosen() {
    let env = crate::checks::engine::env();
    for (expr, node) in [
        ("x.name == 'web'", "EqConst"),
        ("'web' != x.name", "EqConst"),
        ("x.name in ['a', 'b']", "InStrs"),
        ("x.name.startsWith(x.name + '/')", "TextCat"),
        ("x.name.endsWith(x.name + '/')", "TextCat"),
        ("x.?a.b.orValue('')", "OrConst"),
        ("x.?a.orValue('')", "OptOr"),
        ("x[?'a'].orValue('')", "IndexOr"),
        ("([x.name] + x.words).exists(v, true)", "Concat"),
        ("x.words.exists(v, v in ['a'])", "ExistsIn"),
        ("x.words.exists(v, v == 'a' || v == 'b')", "ExistsIn"),
        ("x.words.exists(v, x.name.startsWith(v))", "Memo"),
    ] {
        let program = env.compile(expr).expect("compiles");
        let fast = Fast::compile(program.expression(), "x").expect("supported");
        let tree = format!("{:?}", fast.root);
        assert!(tree.contains(node), "{expr}: {tree}");
    }
}

/// A value fits two registers, so that results come back from calls in them.
#[test]
fn values_stay_small() {
    assert!(std::mem::size_of::<super::super::value::V<'_>>() <= 16);
    assert!(std::mem::size_of::<super::super::Res<super::super::value::V<'_>>>() <= 16);
}
