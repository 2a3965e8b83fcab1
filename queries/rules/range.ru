#+ title: The object of a statement is in its property's range
#+ description: OWL 2 RL prp-rng: ?p rdfs:range ?c, ?x ?p ?y ⊢ ?y a ?c. Not for literal objects (a literal cannot be a subject) nor for owl:Thing: both give trivia the build drops.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y rdf:type ?c }
WHERE {
  ?p rdfs:range ?c .
  FILTER (?c != owl:Thing)
  ?x ?p ?y .
  FILTER (!isLiteral(?y))
  FILTER NOT EXISTS { ?y rdf:type ?c }
}
