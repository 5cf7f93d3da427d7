//! cel 0.15's corner cases on tiny expressions: for each, what the fast evaluator answers,
//! checked against what cel itself answers on the same bindings.

use cel::{Context, ExecutionError};
use serde_json::{Value, json};

use super::Fast;
use crate::checks::celjson::json_val;
use crate::checks::snapshot::Object;
use crate::checks::views::Item;

mod containers;
mod differential;
mod mutations;
mod relations;
mod specialised;

/// cel's answer as the evaluation loop would get it, `x` bound to the item.
pub(super) fn cel_answer(
    program: &cel::Program,
    var: &str,
    item: &Item<'_>,
    params: &Value,
) -> Result<cel::Value, ExecutionError> {
    let root = Context::with_env(crate::checks::engine::env());
    let mut outer = root.new_inner_scope();
    outer.add_variable_as_val("params", json_val(params));
    let mut ctx = outer.new_inner_scope();
    ctx.add_variable_as_val(var, crate::checks::overlay::item_val(item));
    ctx.add_variable_as_val("object", json_val(&item.object.value));
    program.execute(&ctx)
}

fn data() -> Value {
    json!({
        "name": "web", "num": 3, "ratio": 0.5, "big": 18_446_744_073_709_551_615_u64,
        "neg": -1, "nil": null, "flag": true, "empty": {}, "none": [],
        "labels": {"a": "1", "b": "2"}, "list": [1, 2], "words": ["x", "y"],
        "nested": [[1], {"k": "v"}], "uni": "héllo"
    })
}

/// Both answers for `expr` over [`data`], the item layered over a base object.
fn answers(expr: &str) -> (Option<bool>, Result<cel::Value, ExecutionError>) {
    let env = crate::checks::engine::env();
    let program = env.compile(expr).expect("test expressions compile");
    let fast = Fast::compile(program.expression(), "x")
        .unwrap_or_else(|| panic!("{expr} should be supported"));
    let object = Object::new(json!({"kind": "Pod"}));
    let value = data();
    let base = json!({"extra": 1, "name": "shadowed"});
    let item = Item {
        object: &object,
        value,
        refs: vec![],
        rels: vec![],
        lazy: vec![],
        base: base.as_object(),
        tagged: None,
    };
    let params = json!({"pattern": "^w", "bad": "("});
    let got = fast.eval(&item, &params, &object.value);
    let want = cel_answer(&program, "x", &item, &params);
    (got, want)
}

#[track_caller]
fn check(cases: &[(&str, Option<bool>)]) {
    for (expr, expected) in cases {
        let (got, cel) = answers(expr);
        assert_agree(expr, got, *expected, &cel);
    }
}

/// The fast answer is the one expected, and cel's where it gives one; where the fast
/// evaluator declines, cel gives no boolean either.
#[track_caller]
/// Compiles `expr` with the item bound to `var`, evaluates it fast and with cel over
/// `item`, and holds both to `expected` ([`assert_agree`]).
pub(super) fn assert_agree_over(var: &str, item: &Item<'_>, expr: &str, expected: Option<bool>) {
    let params = serde_json::json!({});
    let program = crate::checks::engine::env()
        .compile(expr)
        .expect("test expressions compile");
    let fast = Fast::compile(program.expression(), var)
        .unwrap_or_else(|| panic!("{expr} should be supported"));
    let got = fast.eval(item, &params, &item.object.value);
    let cel = cel_answer(&program, var, item, &params);
    assert_agree(expr, got, expected, &cel);
}

pub(super) fn assert_agree(
    expr: &str,
    got: Option<bool>,
    expected: Option<bool>,
    cel: &Result<cel::Value, ExecutionError>,
) {
    assert_eq!(got, expected, "{expr}: fast gave {got:?}, cel {cel:?}");
    match got {
        Some(b) => assert_eq!(cel, &Ok(cel::Value::Bool(b)), "{expr}"),
        None => assert!(
            !matches!(cel, Ok(cel::Value::Bool(_))),
            "{expr}: fast declined, cel gave {cel:?}"
        ),
    }
}

#[test]
fn and_or_absorb_errors_as_cel_does() {
    check(&[
        ("false && x.missing == 1", Some(false)),
        ("x.missing == 1 && false", Some(false)),
        ("x.missing == 1 && true", None),
        ("true && x.missing == 1", None),
        ("true || x.missing == 1", Some(true)),
        ("x.missing == 1 || true", Some(true)),
        ("x.missing == 1 || false", None),
        ("x.name || true", Some(true)),
        ("x.name && false", Some(false)),
        ("true && x.name", None),
        ("false || x.num", None),
        ("!x.name", None),
        ("x.name == 'web' ? x.flag : x.missing", Some(true)),
        ("x.missing ? true : false", None),
        ("x.num ? true : false", None),
    ]);
}

#[test]
fn comprehensions_absorb_element_errors_as_cel_does() {
    check(&[
        ("[1, 'a'].exists(v, v > 0)", Some(true)),
        ("['a', 1].exists(v, v > 0)", Some(true)),
        ("['a', 0].exists(v, v > 0)", None),
        ("[0, 'a'].all(v, v > 0)", Some(false)),
        ("['a', 0].all(v, v > 0)", Some(false)),
        ("['a', 1].all(v, v > 0)", None),
        ("[1, 2].exists(v, v)", None),
        ("x.missing.exists(v, true)", None),
        ("x.name.exists(v, true)", None),
        ("x.nil.all(v, true)", None),
        (
            "x.labels.exists(k, k == 'b') && x.labels.all(k, k != 'c')",
            Some(true),
        ),
        (
            "x.exists(k, k == 'extra') && x.exists(k, k == 'uni')",
            Some(true),
        ),
        ("x.list.map(v, v + 1) == [2, 3]", Some(true)),
        ("x.list.map(v, v + 'a') == []", None),
        ("x.list.filter(v, v > 1).size() == 1", Some(true)),
        ("x.words.filter(v, v).size() == 0", None),
        ("x.list.map(v, v > 1, v).size() == 1", Some(true)),
        ("x.list.exists(v, x.list.exists(w, w == v + 1))", Some(true)),
        (
            "x.none.all(v, false) && !x.none.exists(v, true)",
            Some(true),
        ),
        ("x.empty.all(v, false) && !{}.exists(v, true)", Some(true)),
    ]);
}

#[test]
fn equality_follows_cel_across_types() {
    check(&[
        ("1 == 1.0 && 1u == 1 && 1.0 == 1u", Some(true)),
        ("x.big == 18446744073709551615u && x.big > 1", Some(true)),
        (
            "x.neg < 1u && !(x.neg == 18446744073709551615u)",
            Some(true),
        ),
        ("x.nil == null && null == x.nil && x.nil != 0", Some(true)),
        ("x.num == '3' || x.name == 3 || x.flag == 1", Some(false)),
        ("x.list == [1, 2]", Some(true)),
        // cel's own list equals only its own kind: not symmetric.
        ("[1, 2] == x.list", Some(false)),
        ("x.list.map(v, v) == [1, 2]", Some(true)),
        ("x.empty == {} && {} == {}", Some(true)),
        ("{} == x.empty", Some(false)),
        ("x.labels == x.labels && x.labels != x.empty", Some(true)),
        ("x.list == x.labels || x.labels == x.list", Some(false)),
        ("x.words == ['x', 'y'] && x.words != ['y', 'x']", Some(true)),
        (
            "x.?name == x.?name && x.?nope == x.?other && x.?name != x.name",
            Some(true),
        ),
        (
            "type(x.name) == string && type(x.nil) == null_type",
            Some(true),
        ),
        (
            "type(x) == map && type(x.list) == list && type(1u) == uint",
            Some(true),
        ),
        (
            "type(x.ratio) == double && type(x.flag) == bool && type(x.num) == int",
            Some(true),
        ),
        ("type(x.num) == string || type(x.?num) == int", Some(false)),
        (
            "[x.labels] == [x.labels] && [x.list] == [[1, 2]] && [[1, 2]] != [x.list]",
            Some(true),
        ),
        (
            "x.ratio < 1 && x.num >= 3.0 && 'a' < 'b' && false < true",
            Some(true),
        ),
        ("x.num > 'a'", None),
        ("x.nil < 1", None),
        ("x.list < [3]", None),
    ]);
}

#[test]
fn fields_optionals_and_has_follow_cel() {
    check(&[
        ("has(x.nil) && has(x.extra) && !has(x.missing)", Some(true)),
        ("x.name == 'web' && x.extra == 1", Some(true)),
        ("has(x.list.foo)", None),
        ("has(x.name.foo)", None),
        ("has(x.empty.foo)", Some(false)),
        ("has(x.?labels.a) && !has(x.?nope.a)", Some(true)),
        ("has(x.?list.a)", Some(false)),
        ("has(x.?name.a)", None),
        ("x.?a.?b.orValue(1) == 1", Some(true)),
        ("x.name.?foo.orValue(1) == 1", Some(true)),
        ("x.?missing.foo.orValue(2) == 2", Some(true)),
        ("x.?nil.foo.orValue(2) == 2", None),
        ("x.?labels.a.orValue('') == '1'", Some(true)),
        (
            "x[?'missing'].orValue(3) == 3 && x.list[?5].orValue(0) == 0",
            Some(true),
        ),
        ("x.?nope[x.missing].orValue(4) == 4", Some(true)),
        ("x.list[5] == 1", None),
        ("x.list[1u] == 2", None),
        ("[1, 2][1u] == 2 && [1, 2][0] == 1", Some(true)),
        ("x.labels['a'] == '1' && x['name'] == 'web'", Some(true)),
        ("x.labels[1] == '1'", None),
        ("x.nested[1].k == 'v' && x.nested[0][0] == 1", Some(true)),
        ("x.missing.orValue(1) == 1", None),
        ("x.nil.foo == 1", None),
        ("x.list.foo == 1", None),
        ("x.?nil.orValue(1) == null", Some(true)),
    ]);
}

#[test]
fn functions_and_operators_follow_cel() {
    check(&[
        (
            "size(x.uni) == 5 && x.uni.size() == 5 && size(x.labels) == 2",
            Some(true),
        ),
        (
            "size(x) == 15 && size([]) == 0 && size({}) == 0",
            Some(true),
        ),
        (
            "'a' in x.labels && !(1 in x.labels) && !('a' in {}) && 'extra' in x",
            Some(true),
        ),
        (
            "2 in x.list && 2.0 in x.list && !('2' in x.list) && 'x' in ['x']",
            Some(true),
        ),
        (
            "[1] in x.nested && !([2] in x.nested) && x.nested[1] in x.nested",
            Some(true),
        ),
        ("x.name in 'abc'", None),
        ("1 in x.nil", None),
        (
            "(x.list + [3]).size() == 3 && (x.list + x.labels).size() == 4",
            Some(true),
        ),
        (
            "x.name + 'x' == 'webx' && x.name + '' == x.name",
            Some(true),
        ),
        ("x.list + 1 == [1]", None),
        ("1 + 'a' == 1", None),
        ("9223372036854775807 + x.num > 0", None),
        ("x.num + 1 == 4 && x.ratio + 0.5 == 1.0", Some(true)),
        (
            "x.name.startsWith('w') && x.name.endsWith('b') && x.name.contains('e')",
            Some(true),
        ),
        (
            "x.name.matches('^w.b$') && matches(x.name, 'e') && !x.name.matches('z')",
            Some(true),
        ),
        (
            "x.name.matches(params.pattern) && !x.uni.matches(params.pattern)",
            Some(true),
        ),
        ("x.name.matches('(')", None),
        (
            "x.num.matches('a') || x.name.matches(x.num) || matches(x.nil, 'a')",
            None,
        ),
        (
            "x.num.matches('a') && false || x.name.matches(x.num) && false",
            Some(false),
        ),
        (
            "x.list.contains('a') || x.name.startsWith(1) || x.labels.endsWith('a')",
            None,
        ),
        (
            "x.list.contains('a') && false || x.name.startsWith(1) && false",
            Some(false),
        ),
        (
            "size(x.num) == 1 || x.nil.size() == 0 || size(x.?name) == 1",
            None,
        ),
        (
            "size(x.num) == 1 && false || size(type(x)) == 1 && false",
            Some(false),
        ),
        ("x.name.orValue('a') == 'a' && false", Some(false)),
        ("x.name.matches(params.bad)", None),
        ("true || x.name.matches('(')", Some(true)),
        ("x.name.matches('(') && false", Some(false)),
        ("x.name.exists(c, true) ? 1 : 2", None),
        ("x.list.exists(v, v == 1) ? 'y' : 'n'", None),
        (
            "[x.?name.orValue('')] + x.?words.orValue([]) == ['web', 'x', 'y']",
            Some(true),
        ),
    ]);
}

#[test]
fn unsupported_constructs_are_left_to_cel() {
    let env = crate::checks::engine::env();
    for expr in [
        "x.list.exists_one(v, v == 1)",
        "x.name.lowerAscii() == 'web'",
        "{'a': 1}.a == 1",
        "b'x' == b'x'",
        "other.name == 'x'",
        "[?x.?a] == []",
        "x.list.all(i, v, true)",
        "int(x.num) == 3",
    ] {
        let program = env.compile(expr).expect("compiles");
        assert!(
            Fast::compile(program.expression(), "x").is_none(),
            "{expr} should be left to cel"
        );
    }
}
