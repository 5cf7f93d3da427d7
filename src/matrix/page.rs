//! Renders any entity as one markdown page: what `ktm show` prints and the TUI draws.

use std::fmt::Write;

use super::{Entity, Matrix, Mitigation, Playbook, Scenario, Tactic, Technique};

/// The entity's page in markdown: title, facts, description and linked entities.
pub fn entity_markdown(matrix: &Matrix, entity: Entity<'_>) -> String {
    match entity {
        Entity::Tactic(t) => tactic_page(matrix, t),
        Entity::Technique(t) => technique_page(matrix, t),
        Entity::Mitigation(m) => mitigation_page(matrix, m),
        Entity::Playbook(p) => playbook_page(matrix, p),
        Entity::Scenario(x) => scenario_page(matrix, x),
    }
}

/// A playbook as one page: facts, intro, then every step with its commands. Facilitator
/// notes are left out (they are revealed one step at a time in the walkthrough).
fn playbook_page(matrix: &Matrix, p: &Playbook) -> String {
    let meta = &p.meta;
    let mut s = format!("# {}\n\n", meta.title);
    let _ = write!(
        s,
        "**Playbook** `{}` · **severity** {} · {} steps",
        meta.id,
        meta.severity.as_str(),
        p.steps.len()
    );
    if let Some(m) = meta.minutes {
        let _ = write!(s, " · ~{m} min");
    }
    s.push_str("\n\n");
    technique_list(&mut s, matrix, meta.techniques.iter().map(|t| t.as_str()));
    if !meta.prerequisites.is_empty() {
        s.push_str("**Prerequisites**\n\n");
        for item in &meta.prerequisites {
            let _ = writeln!(s, "- {}", item.trim());
        }
        s.push('\n');
    }
    let _ = write!(s, "{}\n\n", p.intro);
    for (i, step) in p.steps.iter().enumerate() {
        let _ = write!(s, "## {}. {}\n\n", i + 1, step.title);
        if let Some(w) = &step.warning {
            let _ = write!(s, "> **Warning:** {}\n\n", w.replace('\n', " "));
        }
        let _ = write!(s, "{}\n\n", step.body);
    }
    s
}

fn scenario_page(matrix: &Matrix, x: &Scenario) -> String {
    let mut s = format!(
        "# {}

**Scenario** `{}` · {} steps

",
        x.title,
        x.id,
        x.steps.len()
    );
    let _ = write!(s, "*{}*\n\n", x.summary.trim());
    for (i, step) in x.steps.iter().enumerate() {
        let name = matrix
            .technique(step.technique.as_str())
            .map_or("(unknown)", |t| t.name.as_str());
        let _ = write!(
            s,
            "## {}. {} {}\n\n{}\n\n",
            i + 1,
            step.technique,
            name,
            step.narrative.trim()
        );
    }
    list_section(&mut s, "Playbooks", x.playbooks.iter().map(|c| c.as_str()));
    s
}

fn technique_list<'a>(s: &mut String, matrix: &Matrix, ids: impl Iterator<Item = &'a str>) {
    s.push_str("**Techniques**\n\n");
    for id in ids {
        let name = matrix
            .technique(id)
            .map_or("(unknown)", |t| t.name.as_str());
        let _ = writeln!(s, "- **{id}** {name}");
    }
    s.push('\n');
}

fn tactic_page(matrix: &Matrix, t: &Tactic) -> String {
    let mut s = format!("# {}\n\n", t.name);
    let _ = write!(s, "**Tactic** `{}`", t.id);
    if let Some(a) = &t.attack {
        let _ = write!(s, " · **ATT&CK** {a}");
    }
    let _ = write!(s, "\n\n{}\n\n## Techniques\n\n", t.summary.trim());
    for tech in matrix.techniques_in(t.id.as_str()) {
        let _ = writeln!(
            s,
            "- **{}** {} — {}",
            tech.id,
            tech.name,
            tech.summary.trim()
        );
    }
    s
}

fn technique_page(matrix: &Matrix, t: &Technique) -> String {
    let mut s = format!("# {} · {}\n\n", t.id, t.name);
    let tactics = matrix.tactic_names(t);
    let _ = write!(s, "**Tactics** {}", tactics.join(", "));
    if !t.attack.is_empty() {
        let ids: Vec<&str> = t.attack.iter().map(|a| a.as_str()).collect();
        let _ = write!(s, " · **ATT&CK** {}", ids.join(", "));
    }
    let _ = write!(
        s,
        "\n\n*{}*\n\n{}\n\n",
        t.summary.trim(),
        t.description.trim()
    );
    if !t.aliases.is_empty() {
        let _ = write!(s, "**Also known as** {}\n\n", t.aliases.join(", "));
    }
    if !t.detections.is_empty() {
        s.push_str("## Detections\n\n");
        for d in &t.detections {
            let _ = write!(s, "- **{}** — {}", d.source, d.signal.trim());
            if let Some(id) = d.id.as_ref().filter(|_| d.expr.is_some()) {
                let _ = write!(s, " (`ktm hunt` detection `{id}`)");
            }
            s.push('\n');
            if let Some(q) = &d.query {
                s.push_str("\n  ```\n");
                for line in q.trim_end().lines() {
                    let _ = writeln!(s, "  {line}");
                }
                s.push_str("  ```\n\n");
            }
        }
        s.push('\n');
    }
    if !t.mitigations.is_empty() {
        s.push_str("## Mitigations\n\n");
        for link in &t.mitigations {
            let name = matrix
                .mitigation(link.id.as_str())
                .map_or("(unknown)", |m| m.name.as_str());
            let _ = write!(s, "- **{}** {}", link.id, name);
            if !link.how.trim().is_empty() {
                let _ = write!(s, " — {}", link.how.trim());
            }
            s.push('\n');
        }
        s.push('\n');
    }
    list_section(&mut s, "Checks", t.checks.iter().map(|c| c.as_str()));
    list_section(&mut s, "Playbooks", t.playbooks.iter().map(|c| c.as_str()));
    list_section(
        &mut s,
        "References",
        t.references.iter().map(|c| c.as_str()),
    );
    s
}

fn mitigation_page(matrix: &Matrix, m: &Mitigation) -> String {
    let mut s = format!("# {} · {}\n\n", m.id, m.name);
    let mut facts = Vec::new();
    if let Some(p) = &m.parent {
        let name = matrix
            .mitigation(p.as_str())
            .map_or("", |x| x.name.as_str());
        facts.push(format!("**Part of** {p} {name}"));
    }
    if !m.attack.is_empty() {
        let ids: Vec<&str> = m.attack.iter().map(|a| a.as_str()).collect();
        facts.push(format!("**ATT&CK** {}", ids.join(", ")));
    }
    if !facts.is_empty() {
        let _ = write!(s, "{}\n\n", facts.join(" · "));
    }
    let _ = write!(s, "*{}*\n\n{}\n\n", m.summary.trim(), m.description.trim());
    let children: Vec<&Mitigation> = matrix.children_of(m.id.as_str()).collect();
    if !children.is_empty() {
        s.push_str("## Sub-mitigations\n\n");
        for c in children {
            let _ = writeln!(s, "- **{}** {}", c.id, c.name);
        }
        s.push('\n');
    }
    let techniques = matrix.techniques_for(m);
    if !techniques.is_empty() {
        s.push_str("## Techniques addressed\n\n");
        for t in techniques {
            let how = t
                .mitigations
                .iter()
                .find(|l| l.id.value == m.id.value)
                .map(|l| l.how.trim())
                .filter(|h| !h.is_empty());
            let _ = write!(s, "- **{}** {}", t.id, t.name);
            if let Some(how) = how {
                let _ = write!(s, " — {how}");
            }
            s.push('\n');
        }
        s.push('\n');
    }
    list_section(
        &mut s,
        "References",
        m.references.iter().map(|c| c.as_str()),
    );
    s
}

fn list_section<'a>(s: &mut String, title: &str, items: impl Iterator<Item = &'a str>) {
    let items: Vec<&str> = items.collect();
    if items.is_empty() {
        return;
    }
    let _ = write!(s, "## {title}\n\n");
    for item in items {
        let _ = writeln!(s, "- {item}");
    }
    s.push('\n');
}
