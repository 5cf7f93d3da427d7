//! Gates read from compiled expressions, and their three-valued answers.

use super::*;

fn gate(expr: &str) -> Gate {
    let program = crate::checks::engine::env()
        .compile(expr)
        .expect("compiles");
    Gate::of(program.expression())
}

fn facts<'a>(verb: &'a str, resource: &'a str, actor: &'a str, system: bool) -> Facts<'a> {
    Facts {
        resource: Some(resource),
        verb: Some(verb),
        subresource: Some(""),
        namespace: Some("prod"),
        actor,
        code: Some(200),
        system,
        anonymous: false,
        allowed: true,
        impersonated: false,
    }
}

#[test]
fn comparisons_flags_and_logic_are_read() {
    let g =
        gate("event.verb in ['list', 'watch'] && event.objectRef.resource == 'secrets' && !system");
    let lister = facts("list", "secrets", "mallory", false);
    let controller = facts("list", "secrets", "system:kube-controller-manager", true);
    assert_eq!(g.eval(&lister), Some(true));
    assert_eq!(g.eval(&controller), Some(false));
    assert_eq!(
        g.eval(&facts("get", "secrets", "mallory", false)),
        Some(false)
    );

    let g = gate(
        "(!system || actor == 'masterclient' || (actor.startsWith('system:serviceaccount:') && !actor.startsWith('system:serviceaccount:kube-system:'))) && event.responseStatus.code in [401, 403]",
    );
    assert_eq!(
        g.eval(&controller),
        Some(false),
        "a system identity and a 200"
    );
    let mut refused = facts("get", "secrets", "system:serviceaccount:default:app", true);
    refused.code = Some(403);
    assert_eq!(g.eval(&refused), Some(true));
    refused.code = None;
    assert_eq!(
        g.eval(&refused),
        None,
        "a code that is not an integer is unknown"
    );
}

#[test]
fn what_the_facts_cannot_tell_is_unknown() {
    let g = gate(
        "event.verb == 'create' && containers.exists(c, c.securityContext.?privileged.orValue(false))",
    );
    assert_eq!(g.eval(&facts("create", "pods", "alice", false)), None);
    assert_eq!(g.eval(&facts("get", "pods", "alice", false)), Some(false));
    // Unknown stays unknown through `!`, and `||` with an unknown is only known when true.
    let g = gate("!(event.requestObject.spec.hostPID == true) || event.verb == 'get'");
    assert_eq!(g.eval(&facts("create", "pods", "alice", false)), None);
    assert_eq!(g.eval(&facts("get", "pods", "alice", false)), Some(true));
    let mut odd = facts("create", "pods", "alice", false);
    odd.verb = None;
    assert_eq!(
        gate("event.verb != ''").eval(&odd),
        None,
        "a verb that is not a string"
    );
    assert_eq!(gate("x ? event.verb == 'a' : true"), Gate::Unknown);
}

#[test]
fn presence_of_impersonation_is_a_flag() {
    let g = gate("has(event.impersonatedUser) && allowed");
    let mut f = facts("get", "pods", "alice", false);
    assert_eq!(g.eval(&f), Some(false));
    f.impersonated = true;
    assert_eq!(g.eval(&f), Some(true));
}

#[test]
fn required_resources_come_through_and_and_or() {
    let set = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect());
    assert_eq!(
        gate("event.objectRef.resource == 'pods' && allowed").required(Field::Resource),
        set(&["pods"])
    );
    assert_eq!(
        gate("allowed && ((event.objectRef.resource in ['pods', 'jobs'] && x) || (event.objectRef.resource == 'services' && y))")
            .required(Field::Resource),
        set(&["pods", "jobs", "services"])
    );
    assert_eq!(
        gate("event.objectRef.resource == 'pods' || allowed").required(Field::Resource),
        None
    );
    assert_eq!(
        gate("!(event.objectRef.resource == 'pods')").required(Field::Resource),
        None
    );
}
