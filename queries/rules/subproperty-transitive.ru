#+ title: Sub-property is transitive
#+ description: OWL 2 RL scm-spo: ?p rdfs:subPropertyOf ?q, ?q rdfs:subPropertyOf ?r ⊢ ?p rdfs:subPropertyOf ?r.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?p rdfs:subPropertyOf ?r }
WHERE {
  ?p rdfs:subPropertyOf ?q .
  ?q rdfs:subPropertyOf ?r .
  FILTER NOT EXISTS { ?p rdfs:subPropertyOf ?r }
}
