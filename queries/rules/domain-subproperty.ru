#+ title: A sub-property inherits its super-property's domain
#+ description: OWL 2 RL scm-dom2: ?q rdfs:domain ?c, ?p rdfs:subPropertyOf ?q ⊢ ?p rdfs:domain ?c.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?p rdfs:domain ?c }
WHERE {
  ?q rdfs:domain ?c .
  ?p rdfs:subPropertyOf ?q .
  FILTER NOT EXISTS { ?p rdfs:domain ?c }
}
