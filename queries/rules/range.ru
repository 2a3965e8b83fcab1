#+ title: The object of a statement is in its property's range
#+ description: OWL 2 RL prp-rng: ?p rdfs:range ?c, ?x ?p ?y ⊢ ?y a ?c. A literal object is skipped: it cannot be a subject, and "literal a class" is trivia the build drops.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?y rdf:type ?c }
WHERE {
  ?p rdfs:range ?c .
  ?x ?p ?y .
  FILTER (!isLiteral(?y))
  FILTER NOT EXISTS { ?y rdf:type ?c }
}
