#+ title: A domain widens to the domain's super-classes
#+ description: OWL 2 RL scm-dom1: ?p rdfs:domain ?c, ?c rdfs:subClassOf ?d ⊢ ?p rdfs:domain ?d.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?p rdfs:domain ?d }
WHERE {
  ?p rdfs:domain ?c .
  ?c rdfs:subClassOf ?d .
  FILTER NOT EXISTS { ?p rdfs:domain ?d }
}
