#+ title: Property chains of two steps
#+ description: OWL 2 RL prp-spo2 for lists of two: ?p owl:propertyChainAxiom (?p1 ?p2), ?x ?p1 ?y, ?y ?p2 ?z ⊢ ?x ?p ?z.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x ?p ?z }
WHERE {
  ?p owl:propertyChainAxiom ?chain .
  ?chain rdf:first ?p1 ; rdf:rest ?rest1 .
  ?rest1 rdf:first ?p2 ; rdf:rest rdf:nil .
  ?x ?p1 ?y .
  ?y ?p2 ?z .
  FILTER NOT EXISTS { ?x ?p ?z }
}
