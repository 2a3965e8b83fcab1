#+ title: A sub-property inherits its super-property's range
#+ description: OWL 2 RL scm-rng2: ?q rdfs:range ?c, ?p rdfs:subPropertyOf ?q ⊢ ?p rdfs:range ?c.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?p rdfs:range ?c }
WHERE {
  ?q rdfs:range ?c .
  ?p rdfs:subPropertyOf ?q .
  FILTER NOT EXISTS { ?p rdfs:range ?c }
}
