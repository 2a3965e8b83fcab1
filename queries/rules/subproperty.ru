#+ title: A statement holds for every super-property of its property
#+ description: OWL 2 RL prp-spo1: ?p rdfs:subPropertyOf ?q, ?x ?p ?y ⊢ ?x ?q ?y.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?x ?q ?y }
WHERE {
  ?p rdfs:subPropertyOf ?q .
  ?x ?p ?y .
  FILTER NOT EXISTS { ?x ?q ?y }
}
