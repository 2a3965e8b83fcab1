#+ title: A range that is an OWL class widens to owl:Thing
#+ description: OWL 2 RL scm-cls then scm-rng1, in one step: ?p rdfs:range ?c, ?c a owl:Class ⊢ ?p rdfs:range owl:Thing (see domain-thing.ru).
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?p rdfs:range owl:Thing }
WHERE {
  ?p rdfs:range ?c .
  ?c rdf:type owl:Class .
  FILTER NOT EXISTS { ?p rdfs:range owl:Thing }
}
